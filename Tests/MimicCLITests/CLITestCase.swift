import Foundation
import MimicTestSupport
import XCTest

/// Runs the built `mimicc` binary as a user would, in a fresh temporary directory.
/// Holds no tests itself, so subclasses do not run each other's.
class CLITestCase: XCTestCase {
    static let repository = Repository.root

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary SwiftPM built beside this test bundle (on Linux the bundle URL is the
    /// products directory itself; on macOS the bundle sits inside it).
    static var binary: URL {
        let bundle = Bundle(for: CLITestCase.self).bundleURL
        let candidates = [bundle.appendingPathComponent("mimicc"),
                          bundle.deletingLastPathComponent().appendingPathComponent("mimicc")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    func mimicc(_ arguments: String..., in directory: String? = nil) throws -> Run {
        try start(arguments, in: directory).finish()
    }

    /// `mimicc` under a file-size limit of `kilobytes` (`ulimit -f`): a full disk, made
    /// without privileges or a mount.
    func mimicc(fileSizeLimit kilobytes: Int, _ arguments: String...) throws -> Run {
        try start(arguments, fileSizeLimit: kilobytes).finish()
    }

    /// Starts `mimicc` without waiting: returns the process and a function that waits for it
    /// and returns its run (for tests that signal it while it runs).
    func start(_ arguments: String...) throws -> (process: Process, finish: () -> Run) {
        try start(arguments)
    }

    func start(_ arguments: [String], in directory: String? = nil, fileSizeLimit: Int? = nil) throws
        -> (process: Process, finish: () -> Run)
    {
        let process = Process()
        if let kilobytes = fileSizeLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(kilobytes) && exec \"$@\"", "bash", Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? temporary)
        // Files, not pipes: nobody reads while it runs, and a full pipe would block it.
        let outPath = temporary + "/.stdout-\(UUID().uuidString)", errPath = temporary + "/.stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, {
            process.waitUntilExit()
            try? out.close()
            try? err.close()
            defer {
                try? FileManager.default.removeItem(atPath: outPath)
                try? FileManager.default.removeItem(atPath: errPath)
            }
            return Run(status: process.terminationStatus,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        })
    }

    /// Sends a started run SIGTERM `times` times at once, as soon as `ready` holds (a run
    /// that ends first, or five minutes, sends it anyway: the caller's assertions then fail).
    func terminate(_ process: Process, times: Int = 1, when ready: () -> Bool) {
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning, Date() < deadline, !ready() { usleep(10_000) }
        for _ in 0..<times { kill(process.processIdentifier, SIGTERM) }
    }

    /// Whether the file at `path` (relative to the test's directory) exists and is not empty.
    func hasContent(_ path: String) -> Bool {
        !((try? String(contentsOfFile: temporary + "/" + path, encoding: .utf8)) ?? "").isEmpty
    }

    var temporary: String = ""

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func write(_ name: String, _ text: String) throws {
        let path = temporary + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The spec of the README's "three mistakes" walkthrough.
    static let threeMistakes = """
        mimicc: 1
        model:
          layers:
            - conv: {filter: 64, kernel: 5}
            - maxpool: {size: 2}
            - dense: {units: 100}
        train:
          loss: cross-entropy
          optimizer: {sgd: {lr: 0.01, momentum: 1.2}}
          epochs: ten

        """
}

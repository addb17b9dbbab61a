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
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? temporary)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting, so a large output cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `mimicc` without waiting: returns the process and a function that waits for it
    /// and returns its run (for tests that signal it while it runs).
    func start(_ arguments: String...) throws -> (process: Process, finish: () -> Run) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: temporary)
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
            return Run(status: process.terminationStatus,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        })
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

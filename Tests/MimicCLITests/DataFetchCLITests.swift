import Foundation
import XCTest

/// `mimicc data fetch` against a local file URL and a loopback HTTP server: the machines this
/// project runs on cannot reach the dataset's real address.
final class DataFetchCLITests: CLITestCase {
    /// A CIFAR-10 archive of the official layout (every image black, labels 0-9 in turn).
    func writeArchive() throws -> String {
        let directory = temporary + "/src/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var record = [UInt8](repeating: 0, count: 3073 * 10_000)
        for i in 0..<10_000 { record[i * 3073] = UInt8(i % 10) }
        let data = Data(record)
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try data.write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", temporary + "/cifar-10-binary.tar.gz", "-C", temporary + "/src", "cifar-10-batches-bin"]
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        try FileManager.default.removeItem(atPath: temporary + "/src")
        return temporary + "/cifar-10-binary.tar.gz"
    }

    func md5(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["md5sum", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(32))
    }

    func testFetchChecksTheMD5AndInstallsFromAFileURL() throws {
        let archive = try writeArchive()
        let sum = try md5(archive)
        let wrong = try mimicc("data", "fetch", "cifar10", "--url", "file://" + archive, "--into", "data")
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("is corrupt: its MD5 is \(sum), expected c32a1d4ab5d03f1284b67883e8d87530"), wrong.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary + "/data"), [], "nothing left behind")

        let fetched = try mimicc("data", "fetch", "cifar10", "--url", "file://" + archive, "--md5", sum, "--into", "data")
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        XCTAssertEqual(fetched.stdout, "installed CIFAR-10 into data/cifar-10-batches-bin\n")
        let installed = try FileManager.default.contentsOfDirectory(atPath: temporary + "/data/cifar-10-batches-bin").sorted()
        XCTAssertEqual(installed, ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
                                   "test_batch.bin"])
    }

    func testFetchDownloadsOverHTTPFromALoopbackServer() throws {
        let archive = try writeArchive()
        let sum = try md5(archive)
        let port = 18_000 + Int(getpid() % 1000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", temporary]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        do { try server.run() } catch { throw XCTSkip("python3 is needed for the loopback server: \(error)") }
        defer { server.terminate(); server.waitUntilExit() }
        // Wait for the server to listen.
        var ready = false
        for _ in 0..<50 where !ready {
            Thread.sleep(forTimeInterval: 0.1)
            ready = (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/")!)) != nil
        }
        try XCTSkipUnless(ready, "the loopback server did not start")
        let fetched = try mimicc("data", "fetch", "cifar10", "--url", "http://127.0.0.1:\(port)/cifar-10-binary.tar.gz", "--md5", sum,
                                 "--into", "data")
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        XCTAssertTrue(fetched.stderr.contains("MD5 \(sum) matches"), fetched.stderr)
        let missing = try mimicc("data", "fetch", "cifar10", "--url", "http://127.0.0.1:\(port)/nothing.tar.gz", "--into", "other")
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("HTTP 404"), missing.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary + "/other"), [])
    }
}

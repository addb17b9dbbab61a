import Foundation
import MimicBasics
import XCTest

/// The floor's pure pieces: SHA-256 against the standard vectors, atomic writes, and JSON
/// rendered the same way every time.
final class BasicsTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testAtomicWriteLeavesTheWholeFileOrNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(Data("first".utf8), to: directory + "/f")
        try AtomicFile.write(Data("second".utf8), to: directory + "/f")
        XCTAssertEqual(FileManager.default.contents(atPath: directory + "/f"), Data("second".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["f"], "no temporary file is left")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: directory + "/missing/f")) { error in
            XCTAssertEqual("\(error)", "cannot write '\(directory)/missing/f'\nhint: check that the directory exists and the disk is not full")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["f"])
    }

    func testJSONRendersInItsOwnOrderWithEscapes() {
        let value = JSONValue.object([("b", .int(1)), ("a", .array([.number(0.5), .null, .bool(true)])), ("s", .string("q\"\n\u{1}"))])
        XCTAssertEqual(value.rendered(), """
            {
              "b": 1,
              "a": [
                0.5,
                null,
                true
              ],
              "s": "q\\"\\n\\u0001"
            }
            """)
    }
}

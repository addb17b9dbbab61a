import Foundation
import MimicSpec
import XCTest

/// The JSON Schema shipped for editors agrees with the repository's specs, with the copy in
/// grammar/, and rejects what it should. Validation uses Python's `jsonschema` (the reference
/// implementation editors' servers follow); CI installs it, elsewhere the test skips.
final class SchemaTests: XCTestCase {
    static let repository = SpecRoundTripTests.repository

    func testGrammarCopyIsTheSchemaMimiccPrints() throws {
        let file = try String(contentsOfFile: Self.repository + "/grammar/mimicc-spec.schema.json", encoding: .utf8)
        XCTAssertEqual(file, SpecJSONSchema.text + "\n")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(file.utf8)))
    }

    func testSpecsAndGrammarExamplesPassTheSchema() throws {
        var files = try FileManager.default.subpathsOfDirectory(atPath: Self.repository + "/specs")
            .filter { $0.hasSuffix(".yaml") && !SpecPreset.isPreset($0) }.map { Self.repository + "/specs/" + $0 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-schema-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (i, example) in try GrammarExamples.extract(from: Self.repository + "/grammar").enumerated() {
            let file = directory.appendingPathComponent("grammar\(i).yaml").path
            try example.text.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "mimicc: 1\nmodel: {architecture: \"64c5\", layerz: []}\n".write(toFile: bad, atomically: true, encoding: .utf8)

        let output = try runValidator(files + [bad])
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, files.count, output)
        XCTAssertEqual(lines.filter { $0.hasPrefix("invalid ") }, ["invalid \(bad)"], output)
    }

    private func runValidator(_ files: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repository + "/Tests/Support/validate_schema.py",
                             Self.repository + "/grammar/mimicc-spec.schema.json"] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if process.terminationStatus == 3 {
            throw XCTSkip("python3 with jsonschema and PyYAML is not installed: \(output)")
        }
        return output
    }
}

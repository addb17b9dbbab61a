import MimicBasics
import XCTest

@testable import MimicYAML

final class YAMLReaderTests: XCTestCase {
    private func parse(_ text: String, limits: YAMLLimits = .standard) -> (Node?, [Diagnostic]) {
        let result = YAMLReader.parse(Array(text.utf8), file: "t.yaml", limits: limits)
        return (result.root, result.diagnostics)
    }

    private func parse(bytes: [UInt8]) -> (Node?, [Diagnostic]) {
        let result = YAMLReader.parse(bytes, file: "t.yaml")
        return (result.root, result.diagnostics)
    }

    func testScalarsKeysAndItemsKnowTheirLineAndColumn() throws {
        let (root, diagnostics) = parse("a: 1\nlist:\n  - x\n  - {k: v}\n")
        XCTAssertEqual(diagnostics, [])
        let node = try XCTUnwrap(root)
        let entries = try XCTUnwrap(node.mapping)
        XCTAssertEqual(entries.map(\.name), ["a", "list"])
        XCTAssertEqual(entries[0].key.location, SourceLocation(file: "t.yaml", line: 1, column: 1))
        XCTAssertEqual(entries[0].value.location, SourceLocation(file: "t.yaml", line: 1, column: 4))
        let items = try XCTUnwrap(node["list"]?.sequence)
        XCTAssertEqual(items[0].location, SourceLocation(file: "t.yaml", line: 3, column: 5))
        XCTAssertEqual(items[1]["k"]?.location, SourceLocation(file: "t.yaml", line: 4, column: 9))
        XCTAssertEqual(node["a"]?.int, 1)
    }

    func testMappingsKeepKeyOrder() throws {
        let (root, _) = parse("z: 1\na: 2\nm: 3\n")
        XCTAssertEqual(root?.mapping?.map(\.name), ["z", "a", "m"])
    }

    func testDuplicateKeyReportsBothLines() {
        let (_, diagnostics) = parse("lr: 1\nmomentum: 2\nlr: 3\n")
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics[0].code, .duplicateKey)
        XCTAssertEqual(diagnostics[0].location?.line, 3)
        XCTAssertEqual(diagnostics[0].notes.first?.location?.line, 1)
    }

    func testAnchorsAliasesAndMergeKeys() throws {
        let text = """
            base: &b {lr: 0.1, momentum: 0.9}
            copy: *b
            tuned:
              <<: *b
              lr: 0.2
            """
        let (root, diagnostics) = parse(text)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(root?["copy"]?["momentum"]?.double, 0.9)
        let tuned = try XCTUnwrap(root?["tuned"])
        // Merged keys take the place of the merge key; explicit keys win.
        XCTAssertEqual(tuned.mapping?.map(\.name), ["momentum", "lr"])
        XCTAssertEqual(tuned["lr"]?.double, 0.2)
        XCTAssertEqual(tuned["momentum"]?.double, 0.9)
        // A merged value keeps the location where it was written.
        XCTAssertEqual(tuned["momentum"]?.location.line, 1)
    }

    func testMergeOfAScalarIsAnError() {
        let (_, diagnostics) = parse("a:\n  <<: 3\n")
        XCTAssertEqual(diagnostics.map(\.code), [.invalidMerge])
        XCTAssertEqual(diagnostics[0].location?.line, 2)
    }

    func testUnknownAliasIsAnError() {
        let (_, diagnostics) = parse("a: *nowhere\n")
        XCTAssertEqual(diagnostics.map(\.code), [.unknownAlias])
    }

    func testAliasBombStopsWithAnError() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        let (root, diagnostics) = parse(text)
        XCTAssertNil(root)
        XCTAssertEqual(diagnostics.map(\.code), [.aliasLimit])
        XCTAssertEqual(diagnostics[0].location?.line, 5)
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let (root, diagnostics) = parse(text)
        XCTAssertNil(root)
        XCTAssertEqual(diagnostics.map(\.code), [.nestingTooDeep])
    }

    func testTooLargeFileIsRejectedBeforeParsing() {
        let text = "a: " + String(repeating: "x", count: 10 << 20)
        let (root, diagnostics) = parse(text)
        XCTAssertNil(root)
        XCTAssertEqual(diagnostics.map(\.code), [.fileTooLarge])
    }

    func testRandomBytesGiveErrorsNotCrashes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let count = Int(generator.next() % 400)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let (root, diagnostics) = parse(bytes: bytes)
            // Either a tree or at least one error: never both missing.
            XCTAssertTrue(root != nil || !diagnostics.isEmpty)
        }
    }

    func testInvalidUTF8NamesLineAndColumn() {
        let bytes = Array("a: 1\nname: ab".utf8) + [0xFF] + Array("\n".utf8)
        let (root, diagnostics) = parse(bytes: bytes)
        XCTAssertNil(root)
        XCTAssertEqual(diagnostics.map(\.code), [.invalidUTF8])
        XCTAssertEqual(diagnostics[0].location, SourceLocation(file: "t.yaml", line: 2, column: 9))
        XCTAssertEqual(diagnostics[0].message, "invalid UTF-8 byte 0xFF")
    }

    func testEmptyAndCommentOnlyFilesAreErrors() {
        for text in ["", "# only a comment\n", "---\n"] {
            let (root, diagnostics) = parse(text)
            XCTAssertNil(root, text)
            XCTAssertEqual(diagnostics.map(\.code), [.emptyFile], text)
        }
    }

    func testSecondDocumentIsAnError() {
        let (root, diagnostics) = parse("a: 1\n---\nb: 2\n")
        XCTAssertNil(root)
        XCTAssertEqual(diagnostics.map(\.code), [.multipleDocuments])
        XCTAssertEqual(diagnostics[0].location?.line, 2)
    }

    func testLeadingDocumentMarkerBOMAndCRLFAreAccepted() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("---\r\na: 1\r\nb:\r\n  c: x\r\n".utf8)
        let (root, diagnostics) = parse(bytes: bytes)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(root?["b"]?["c"]?.location, SourceLocation(file: "t.yaml", line: 4, column: 6))
    }

    func testTabIndentationGetsAHint() {
        let (_, diagnostics) = parse("model:\n\tclasses: 10\n")
        XCTAssertEqual(diagnostics.map(\.code), [.yamlSyntax])
        XCTAssertTrue(diagnostics[0].notes.contains { $0.message.contains("tabs") }, "\(diagnostics)")
    }

    func testTabsInsideValuesAreFine() {
        let (root, diagnostics) = parse("name: \"a\\tb\"\nother: x\t# comment\n")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(root?["name"]?.string, "a\tb")
    }

    func testSyntaxErrorIsLocated() {
        let (_, diagnostics) = parse("a: [1, 2\nb: 3\n")
        XCTAssertEqual(diagnostics.map(\.code), [.yamlSyntax])
        XCTAssertNotNil(diagnostics[0].location)
    }

    func testScalarTypes() throws {
        let (root, _) = parse("i: 1_000\nf: 2.5e-3\nb: true\ns: '12'\nn: ~\ny: yes\n")
        let node = try XCTUnwrap(root)
        XCTAssertEqual(node["i"]?.int, 1000)
        XCTAssertEqual(node["f"]?.double, 0.0025)
        XCTAssertEqual(node["b"]?.bool, true)
        XCTAssertNil(node["s"]?.int, "quoted scalars are strings")
        XCTAssertEqual(node["s"]?.string, "12")
        XCTAssertTrue(node["n"]?.isNull ?? false)
        XCTAssertNil(node["y"]?.bool, "yes is a string in mimicc specs")
    }
}

/// A small deterministic generator, so hostile-input tests are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

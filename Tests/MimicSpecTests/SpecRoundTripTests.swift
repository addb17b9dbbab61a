import Foundation
import MimicBasics
import MimicDriver
import MimicSema
import MimicSpec
import MimicTestSupport
import XCTest

/// Every real spec in the repository lints clean, and the two ways of writing an
/// architecture mean the same thing.
final class SpecRoundTripTests: XCTestCase {
    static let repository = Repository.root

    func testEverySpecInSpecsLintsClean() {
        let report = Linter.lint([Self.repository + "/specs"], strict: true)
        XCTAssertGreaterThanOrEqual(report.files.count, 8)
        XCTAssertEqual(report.unreadable, [])
        XCTAssertEqual(report.diagnostics.map { "\($0.location!): \($0.message)" }, [])
    }

    /// YAML examples in grammar/*.md (fenced as ```yaml) are real specs and must lint clean.
    func testEveryYAMLExampleInGrammarLintsClean() throws {
        let examples = try GrammarExamples.extract(from: Self.repository + "/grammar")
        XCTAssertGreaterThanOrEqual(examples.count, 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-grammar-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, example) in examples.enumerated() {
            let file = directory.appendingPathComponent("example\(index).yaml").path
            try example.text.write(toFile: file, atomically: true, encoding: .utf8)
            let report = Linter.lint([file], strict: true)
            XCTAssertEqual(report.diagnostics.map(\.message), [], "\(example.source): example \(index)")
        }
    }

    func testCompactAndListFormsOfTheTeacherLowerToTheSameAST() throws {
        let loader = SpecLoader()
        let list = try XCTUnwrap(loader.load(Self.repository + "/specs/teachers/teacher-5.3M.yaml").spec?.model)
        let compact = ArchitectureNotation.parse("76c²-mp-126c²-mp-148c⁴-mp-1200fc²", at: .nowhere)
        XCTAssertEqual(compact.diagnostics, [])
        XCTAssertEqual(compact.layers.count, 13)
        XCTAssertEqual(compact.layers.map(\.withoutLocations), list.layers.map(\.withoutLocations))
        let caret = ArchitectureNotation.parse("76c3^2-mp2-126c3^2-mp2-148c3^4-mp2-1200fc^2", at: .nowhere)
        XCTAssertEqual(caret.layers.map(\.withoutLocations), list.layers.map(\.withoutLocations))
    }

    func testCompactNotationLayerKinds() {
        let parsed = ArchitectureNotation.parse("96c5-mp3-deplfc-800fc", at: .nowhere)
        XCTAssertEqual(parsed.diagnostics, [])
        XCTAssertEqual(parsed.layers.map(\.withoutLocations), [
            .conv(Conv(filters: .fixed(96), kernel: 5)),
            .maxpool(MaxPool(size: 3)),
            .linear(Linear(units: .dependent)),
            .dense(Dense(units: .fixed(800))),
        ])
    }

    func testCompactNotationErrorsPointAtTheToken() {
        let start = SourceLocation(file: "f.yaml", line: 3, column: 18)
        let cases: [(String, Int, String)] = [
            ("64c5--100fc", 5, "expected a layer before '-'"),
            ("64x5", 2, "unknown layer kind 'x'"),
            ("c5-100fc", 0, "expected a layer width or 'mp', found 'c'"),
            ("64c5^", 5, "expected a repeat count after '^'"),
            ("64c5^0", 4, "repeat count must be at least 1"),
            ("", 0, "architecture is empty"),
        ]
        for (text, offset, message) in cases {
            let parsed = ArchitectureNotation.parse(text, at: start)
            XCTAssertEqual(parsed.diagnostics.count, 1, text)
            XCTAssertEqual(parsed.diagnostics.first?.location, start.advanced(by: offset), text)
            XCTAssertEqual(parsed.diagnostics.first?.message, message, text)
            XCTAssertEqual(parsed.diagnostics.first?.code, .architectureSyntax, text)
        }
    }

    func testExtendsMergesDeeplyAndChildWins() throws {
        let spec = try XCTUnwrap(SpecLoader().load(Self.repository + "/specs/examples/mlp1-1M.yaml").spec)
        XCTAssertEqual(spec.name, "mlp1-1M")
        XCTAssertFalse(spec.isAbstract, "'abstract' is not inherited")
        XCTAssertEqual(spec.data?.augment.hsv, HSVShift(dh: 0.06, ds: 0.26, dv: 0.20, as: 0.21, av: 0.13))
        XCTAssertEqual(spec.model?.budget?.params, 1_000_000)
        XCTAssertEqual(spec.model?.budget?.tolerance, 0.01)
        guard case .logits(let train, _, let flip)? = spec.teacher else { return XCTFail("teacher") }
        // Paths are relative to the file that wrote them: the base file here.
        XCTAssertTrue(train.value.hasSuffix("specs/examples/teacher/train_logits.npy"), train.value)
        XCTAssertTrue(train.location.file.hasSuffix("student-base.yaml"))
        XCTAssertNotNil(flip)
        XCTAssertEqual(spec.search?.space.map(\.path).last, "model.layers[1].dense.units")
    }

    func testChildArchitectureReplacesInheritedLayers() throws {
        let spec = try XCTUnwrap(SpecLoader().load(Self.repository + "/specs/teachers/teacher-2.5M.yaml").spec)
        XCTAssertEqual(spec.model?.architecture, "96c²-mp-171c²-mp-128c⁴-mp-512fc²")
        XCTAssertEqual(spec.model?.layers.count, 13)
        XCTAssertEqual(spec.train?.schedule, .plateau(factor: 0.5, patience: 10, cooldown: 8, stopPatience: 30, minLRRatio: 0.0005))
    }

    func testBudgetQuantities() {
        XCTAssertEqual(Quantity.count("1M"), 1_000_000)
        XCTAssertEqual(Quantity.count("3.16M"), 3_160_000)
        XCTAssertEqual(Quantity.count("31.6M"), 31_600_000)
        XCTAssertEqual(Quantity.count("1000000"), 1_000_000)
        XCTAssertEqual(Quantity.count("250k"), 250_000)
        XCTAssertNil(Quantity.count("1.5"))
        XCTAssertNil(Quantity.count("1X"))
        XCTAssertNil(Quantity.count("-1M"))
        XCTAssertEqual(Quantity.fraction("0.5%"), 0.005)
        XCTAssertEqual(Quantity.fraction("0.01"), 0.01)
    }

    func testShapesOfTheTeacher() throws {
        let model = try XCTUnwrap(SpecLoader().load(Self.repository + "/specs/teachers/teacher-5.3M.yaml").spec?.model)
        let result = ShapeInference.infer(model)
        XCTAssertEqual(result.diagnostics, [])
        XCTAssertEqual(result.shapes.map(\.description),
                       ["76x32x32", "76x32x32", "76x16x16", "126x16x16", "126x16x16", "126x8x8",
                        "148x8x8", "148x8x8", "148x8x8", "148x8x8", "148x4x4", "1200", "1200", "10"])
    }
}

/// The ```yaml blocks of the Markdown files in a directory.
enum GrammarExamples {
    struct Example {
        var source: String
        var text: String
    }

    static func extract(from directory: String) throws -> [Example] {
        var examples: [Example] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() where name.hasSuffix(".md") {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            var current: [Substring]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if current == nil, line.trimmingCharacters(in: .whitespaces) == "```yaml" {
                    current = []
                } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                    examples.append(Example(source: name, text: current!.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    current?.append(line)
                }
            }
        }
        return examples
    }
}

import XCTest
import MimicSema
import MimicSpec
import MimicYAML

final class SpecVariantTests: XCTestCase {
    func lower(_ text: String) throws -> Spec {
        let (root, diagnostics) = YAMLReader.parse(Array(text.utf8), file: "t.yaml")
        XCTAssertEqual(diagnostics, [])
        let lowered = SpecLowering.lower(try XCTUnwrap(root), file: "t.yaml")
        XCTAssertEqual(lowered.diagnostics.map(\.message), [])
        return try XCTUnwrap(lowered.spec)
    }

    static let compact = """
        mimicc: 1
        model:
          architecture: "64c5-mp2-64c5-mp2-depfc"
          budget: {params: 1M}
        train:
          loss: cross-entropy
          optimizer: {sgd: {lr: 0.01, momentum: 0.9}}
          epochs: 3
        search:
          method: random
          trials: 3
          space:
            train.optimizer.sgd.lr: {log-uniform: [0.001, 0.1]}
            model.layers[2].conv.filters: {int: [20, 120]}
            model.layers[2].conv.kernel: {choice: [3, 5]}
        """

    func testAssignmentsReplaceValuesIncludingLayersOfTheCompactNotation() throws {
        let spec = try lower(Self.compact)
        let (trial, diagnostics) = SpecVariant.apply([
            Assignment(path: "train.optimizer.sgd.lr", value: .double(0.0042)),
            Assignment(path: "model.layers[2].conv.filters", value: .int(100)),
            Assignment(path: "model.layers[2].conv.kernel", value: .int(3)),
        ], to: spec)
        XCTAssertEqual(diagnostics.map(\.message), [])
        let t = try XCTUnwrap(trial)
        XCTAssertNil(t.search, "a trial is a plain run")
        guard case .sgd(let lr, let momentum, _, _)? = t.train?.optimizer else { return XCTFail() }
        XCTAssertEqual(lr, 0.0042)
        XCTAssertEqual(momentum, 0.9)
        guard case .conv(let conv)? = t.model?.layers[2] else { return XCTFail() }
        XCTAssertEqual(conv.filters, .fixed(100))
        XCTAssertEqual(conv.kernel, 3)
        // The other layers are untouched, and the budget is solved again for the new widths.
        XCTAssertEqual(t.model?.layers.map { $0.withoutLocations }.count, spec.model?.layers.count)
        let before = try XCTUnwrap(ModelAnalysis.analyze(spec.model!).analysis?.budget?.solvedWidth)
        let after = try XCTUnwrap(ModelAnalysis.analyze(t.model!).analysis?.budget?.solvedWidth)
        XCTAssertNotEqual(before, after)
    }

    func testOverridesKeepTheSearchAndSkipPathsTheSpecDoesNotWrite() throws {
        let spec = try lower(Self.compact)
        let result = SpecVariant.override([("train.epochs", "1"), ("search.trials", "2"), ("train.batch", "32")], in: spec)
        XCTAssertEqual(result.applied, 2)
        XCTAssertEqual(result.spec?.train?.epochs, 1)
        XCTAssertEqual(result.spec?.search?.trials, 2)
        XCTAssertEqual(result.spec?.train?.batch, 128, "train.batch is not written, so it keeps its default")
        let bad = SpecVariant.override([("train.epochs", "0")], in: spec)
        XCTAssertNil(bad.spec)
        XCTAssertTrue(bad.diagnostics.contains { $0.message.contains("'train.epochs' must be at least 1") }, "\(bad.diagnostics)")
    }
}

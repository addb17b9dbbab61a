import Foundation
import MimicBasics
import MimicCompiler
import MimicGraph
import MimicSema
import MimicSpec
import MimicTestSupport
import MimicVocabulary
import XCTest

/// The `scale` layer from spec to kernels: lowering and its errors, shapes and counts, the
/// ops it lowers to, its gradient against finite differences and its fast kernel against
/// the reference twin.
final class ScaleTests: XCTestCase {
    let layers: [Layer] = [
        .conv(Conv(filters: .fixed(4), kernel: 3, activation: .tanh)),
        .scale(Scale(factor: 0.25)),
        .maxpool(MaxPool(size: 2)),
        .dense(Dense(units: .fixed(6), activation: .sigmoid)),
        .scale(Scale(factor: -3)),
    ]

    func load(_ layer: String) throws -> SpecLoader.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scale-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            mimicc: 1
            model:
              input: [3, 8, 8]
              layers:
                - conv: {filters: 4}
                - \(layer)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try SpecLoader().load(path)
    }

    func testLoweringAndItsErrors() throws {
        let good = try load("scale: {factor: 0.125}")
        XCTAssertEqual(good.diagnostics.map(\.message), [])
        XCTAssertEqual(good.spec?.model?.layers.last?.withoutLocations, .scale(Scale(factor: 0.125)))
        for (text, code, message) in [
            ("scale: {factor: 0}", DiagnosticCode.outOfRange, "'scale.factor' must not be 0"),
            ("scale: {factor: two}", .wrongType, "'scale.factor' must be a number"),
            ("scale: {}", .missingKey, "missing required key 'factor' in 'scale'"),
            ("scale: {factr: 2}", .unknownKey, "unknown key 'factr' in 'scale'"),
        ] {
            let diagnostics = try load(text).diagnostics
            XCTAssertTrue(diagnostics.contains { $0.code == code && $0.message.hasPrefix(message) }, "\(text): \(diagnostics.map(\.message))")
            XCTAssertTrue(diagnostics.allSatisfy { $0.location?.line == 6 }, "\(text): reported on its line")
        }
    }

    func testShapesAndCountsPassThrough() throws {
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 6, 6], classes: 3, layers: layers)).analysis)
        let plain = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 6, 6], classes: 3, layers: layers.filter { $0.keyword != "scale" })).analysis)
        XCTAssertEqual(analysis.params, plain.params, "no parameters")
        XCTAssertEqual(analysis.layers.map(\.name), ["conv1", "scale1", "pool1", "dense1", "scale2", "output"])
        XCTAssertEqual(analysis.layers[1].output, analysis.layers[0].output)
        XCTAssertEqual(analysis.layers[1].params, 0)
    }

    func testLowersToScaleOpsAndTheirGradients() throws {
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 6, 6], classes: 3, layers: layers)).analysis)
        let training = try Compilation.compile(analysis, name: "scale", purpose: .training(.mimic), options: .init(batch: 2)).graph
        XCTAssertEqual(training.ops.compactMap { $0.as(Ops.Scale.self)?.factor }, [0.25, -3])
        XCTAssertEqual(training.ops.compactMap { $0.as(Ops.ScaleGrad.self)?.factor }, [-3, 0.25])
        XCTAssertTrue(GraphPrinter.print(training).contains("= scale(%"), GraphPrinter.print(training))
        let inference = try Compilation.compile(analysis, name: "scale", purpose: .inference(folding: true), options: .init(batch: 2)).graph
        XCTAssertEqual(inference.ops.filter { $0.is(Ops.Scale.self) }.count, 2)
        XCTAssertFalse(inference.ops.contains { $0.kind.isBackward })
    }

    func testGradientAndKernelMatchTheirReferences() throws {
        for (loss, classes) in [(LossKind.mimic, 3), (.crossEntropy, 3)] {
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 6, 6], classes: classes, layers: layers)).analysis)
            let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: "scale-\(loss)", mode: .training(loss)))
            try GraphChecks.assertGradientsMatchFiniteDifferences(graph, batch: 3, classes: classes, seed: 17, "scale \(loss)")
            try GraphChecks.assertExecutorMatchesReference(graph, batch: 5, seed: 23, "scale \(loss)")
        }
    }
}

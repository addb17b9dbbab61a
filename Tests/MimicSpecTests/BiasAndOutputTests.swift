import Foundation
import MimicBasics
import MimicSema
import MimicSpec
import XCTest

/// The fast recipe's layer settings (`bias: false`, `init: dirac`, `frozen-scale`) and
/// `model.output`: how they are written, what they lower to, and the errors a user gets.
final class BiasAndOutputTests: XCTestCase {
    func load(_ model: String) throws -> SpecLoader.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bias-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "mimicc: 1\nmodel:\n\(model)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return try SpecLoader().load(path)
    }

    func testBiasFreeLayersAndTheOutputLower() throws {
        let result = try load("""
              layers:
                - conv: {filters: 8, bias: false, activation: none}
                - dense: {units: 16, bias: false}
              output: {bias: false, scale: 0.25}
            """)
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        let model = try XCTUnwrap(result.spec?.model)
        XCTAssertEqual(model.layers.map(\.withoutLocations), [
            .conv(Conv(filters: .fixed(8), activation: .none, bias: false)), .dense(Dense(units: .fixed(16), bias: false)),
        ])
        XCTAssertEqual(model.output.bias, false)
        XCTAssertEqual(model.output.scale, 0.25)
        XCTAssertEqual(model.layersWithOutput.count, 4, "the output layer, then its scale")
        // Written back with the bias only where it is off, so older specs keep their hash.
        XCTAssertEqual(model.layers[0].kind.settings.map(\.key), ["filters", "kernel", "stride", "padding", "activation", "bias"])
        XCTAssertEqual(Conv(filters: .fixed(8)).settings.map(\.key), ["filters", "kernel", "stride", "padding", "activation"])
        XCTAssertEqual(try load("  layers: [{dense: {units: 4}}]").spec?.model?.output, OutputLayer())
    }

    func testMistakesAreReportedWhereTheyAre() throws {
        for (text, code, message, line) in [
            ("  layers: [{conv: {filters: 8, bias: no-thanks}}]", DiagnosticCode.wrongType, "'conv.bias' must be", 3),
            ("  layers: [{dense: {units: 8}}]\n  output: {scale: 0}", .outOfRange, "'model.output.scale' must not be 0", 4),
            ("  layers: [{dense: {units: 8}}]\n  output: {biass: false}", .unknownKey, "unknown key 'biass' in 'model.output'", 4),
            ("  layers: [{dense: {units: 8}}]\n  output: {bias: 3}", .wrongType, "'model.output.bias' must be", 4),
        ] {
            let diagnostics = try load(text).diagnostics
            XCTAssertTrue(diagnostics.contains { $0.code == code && $0.message.hasPrefix(message) && $0.location?.line == line },
                          "\(text): \(diagnostics.map { "\($0.location?.line ?? 0): \($0.message)" })")
        }
    }

    func testDiracInitAndFrozenScale() throws {
        let result = try load("""
              layers:
                - conv: {filters: 8, bias: false, activation: none, init: dirac}
                - batchnorm: {activation: gelu, frozen-scale: true}
            """)
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        let layers = try XCTUnwrap(result.spec?.model?.layers.map(\.withoutLocations))
        XCTAssertEqual(layers, [.conv(Conv(filters: .fixed(8), activation: .none, bias: false, initialization: .dirac)),
                                .batchnorm(BatchNorm(activation: .gelu, frozenScale: true))])
        XCTAssertEqual(layers[0].kind.settings.last?.value, "dirac")
        XCTAssertEqual(layers[1].kind.settings.last?.key, "frozen-scale")
        XCTAssertEqual(BatchNorm().settings.map(\.key), ["epsilon", "momentum", "activation"], "unset, not written back")
        let diagnostics = try load("  layers: [{conv: {filters: 8, init: identity}}, {batchnorm: {frozen-scale: 1}}]").diagnostics
        XCTAssertEqual(diagnostics.map(\.code), [.invalidChoice, .wrongType], "\(diagnostics.map(\.message))")
    }

    /// `init: whitening` with its settings and `frozen`; the mistakes: settings without
    /// whitening, frozen without whitening, and a filter count whitening cannot make.
    func testWhiteningInitAndFrozenWeights() throws {
        let result = try load("""
              input: [3, 8, 8]
              layers:
                - conv: {filters: 24, kernel: 2, padding: 0, init: whitening, whitening-epsilon: 0.001, whitening-images: 64, frozen: true}
            """)
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        let layers = try XCTUnwrap(result.spec?.model?.layers.map(\.withoutLocations))
        XCTAssertEqual(layers, [.conv(Conv(filters: .fixed(24), kernel: 2, padding: .explicit(0),
                                           initialization: .whitening(epsilon: 0.001, images: 64), frozen: true))])
        XCTAssertEqual(layers[0].kind.settings.suffix(4).map(\.key), ["init", "whitening-epsilon", "whitening-images", "frozen"])
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(try XCTUnwrap(result.spec?.model)).analysis)
        XCTAssertEqual(analysis.layers[0].params, 24, "frozen weights are not counted; the bias is")
        for (text, message) in [
            ("  layers: [{conv: {filters: 8, whitening-images: 10}}]", "'whitening-images' needs 'init: whitening'"),
            ("  layers: [{conv: {filters: 8, frozen: true}}]", "'frozen' needs 'init: whitening'"),
            ("  layers: [{conv: {filters: 8, init: dirac, frozen: true}}]", "'frozen' needs 'init: whitening'"),
        ] {
            let diagnostics = try load(text).diagnostics
            XCTAssertEqual(diagnostics.map(\.code), [.conflictingOptions], text)
            XCTAssertEqual(diagnostics.first?.message, message)
            XCTAssertEqual(diagnostics.first?.location?.line, 3)
        }
        let wrong = try load("  input: [3, 8, 8]\n  layers: [{conv: {filters: 16, kernel: 2, padding: 0, init: whitening}}]")
        let model = try XCTUnwrap(wrong.spec?.model)
        let diagnostics = ModelAnalysis.analyze(model).diagnostics
        XCTAssertEqual(diagnostics.map(\.code), [.conflictingOptions])
        XCTAssertTrue(diagnostics.first?.message.hasPrefix("init 'whitening' makes 2 x 3 x 2x2 = 24 filters") ?? false,
                      "\(diagnostics.map(\.message))")
    }
}

import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTestSupport
import MimicVocabulary
import XCTest

/// The fast recipe's starting points: convolutions that start as the identity, and a
/// batchnorm scale that stays 1 while the shift learns.
final class InitializationTests: XCTestCase {
    func executor(_ layers: [Layer], input: [Int], purpose: Compilation.Purpose, batch: Int) throws -> Executor {
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 3, layers: layers)).analysis)
        let compiled = try Compilation.compile(analysis, name: "init", purpose: purpose, options: .init(batch: batch))
        let executor = Executor(plan: compiled.plan, threads: 1)
        Initializer.initialize(executor, .fanInUniform, scale: 1, seed: 3)
        return executor
    }

    /// A 3x3 same convolution over 3 channels with 5 filters: filters 0-2 pass their channel
    /// through unchanged, filters 3-4 keep the scheme's random weights.
    func testDiracFiltersPassTheirChannelThrough() throws {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(5), kernel: 3, activation: .none, bias: false, initialization: .dirac))]
        let run = try executor(layers, input: [3, 6, 6], purpose: .inference(folding: false), batch: 2)
        let g = run.plan.graph
        let input = try XCTUnwrap(g.values.first { $0.role == .input }?.id)
        let conv = try XCTUnwrap(g.ops.first { $0.is(Ops.Conv2D.self) })
        let x = (0..<(2 * 3 * 36)).map { Float($0 % 17) - 8 }
        run.pointer(input)!.update(from: x, count: x.count)
        run.runKernel(0)
        let y = GraphChecks.read(run, conv.outputs[0], count: 2 * 5 * 36)
        for b in 0..<2 {
            for c in 0..<3 {
                XCTAssertEqual(Array(y[((b * 5 + c) * 36)..<((b * 5 + c + 1) * 36)]), Array(x[((b * 3 + c) * 36)..<((b * 3 + c + 1) * 36)]),
                               "image \(b) filter \(c)")
            }
        }
        let weights = GraphChecks.read(run, conv.inputs[1], count: 5 * 27)
        XCTAssertEqual(weights[0..<27].filter { $0 != 0 }, [1], "one tap of filter 0")
        XCTAssertEqual(weights[4], 1, "filter 0, channel 0, centre")
        XCTAssertEqual(weights[27 + 9 + 4], 1, "filter 1, channel 1, centre")
        XCTAssertGreaterThan(weights[(3 * 27)...].filter { $0 != 0 }.count, 50, "filters 3 and 4 are the scheme's")
    }

    /// A frozen scale is state at 1: not counted, not in the parameter block, unchanged by the
    /// optimizer, while the shift and the convolution learn.
    func testAFrozenBatchnormScaleStaysOne() throws {
        let layers: [Layer] = [
            .conv(Conv(filters: .fixed(4), kernel: 3, activation: .none, bias: false)),
            .batchnorm(BatchNorm(activation: .gelu, frozenScale: true)),
            .dense(Dense(units: .fixed(5))),
        ]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 5, 5], classes: 3, layers: layers)).analysis)
        XCTAssertEqual(analysis.layers[1].params, 4, "the shift alone")
        let run = try executor(layers, input: [2, 5, 5], purpose: .training(.mimic), batch: 4)
        let g = run.plan.graph
        let scale = try XCTUnwrap(g.values.first { $0.name == "bn1.scale" })
        XCTAssertEqual(scale.role, .state)
        XCTAssertFalse(g.parameters.contains(scale.id))
        XCTAssertEqual(run.plan.parameterCount, analysis.params)
        XCTAssertEqual(GraphChecks.read(run, scale.id, count: 4), [1, 1, 1, 1])
        let shift = try XCTUnwrap(g.values.first { $0.name == "bn1.shift" }?.id)
        let feeds = GraphChecks.randomFeeds(g, batch: 4, seed: 8)
        for v in g.values where v.role == .input || v.role == .target { GraphChecks.load([v.id: feeds[v.id]!], into: run) }
        let optimizer = MimicRuntime.Optimizer(.sgd(momentum: 0.9, nesterov: true, weightDecay: 0), parameterCount: run.plan.parameterCount)
        let before = GraphChecks.read(run, shift, count: 4)
        for _ in 0..<3 {
            run.run()
            optimizer.step(parameters: run.parameters.baseAddress!, gradients: run.gradients.baseAddress!, lr: 0.1)
        }
        XCTAssertEqual(GraphChecks.read(run, scale.id, count: 4), [1, 1, 1, 1], "frozen")
        XCTAssertNotEqual(GraphChecks.read(run, shift, count: 4), before, "the shift learns")
        try GraphChecks.assertGradientsMatchFiniteDifferences(g, batch: 3, classes: 3, seed: 2, "frozen scale")
    }
}

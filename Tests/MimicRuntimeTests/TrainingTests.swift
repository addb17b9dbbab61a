import MimicBasics
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import XCTest

/// Whole training steps: executor, backward and optimizer together.
final class TrainingTests: XCTestCase {
    struct Run {
        var executor: Executor
        var optimizer: MimicRuntime.Optimizer
        var graph: Graph
    }

    /// A small CNN student on a fixed synthetic batch with random teacher logits.
    func makeRun(batch: Int, optimizer rule: UpdateRule, threads: Int = 2, seed: UInt64 = 7) throws -> Run {
        let layers: [Layer] = [
            .conv(Conv(filters: .fixed(8), kernel: 3)),
            .maxpool(MaxPool(size: 2)),
            .dense(Dense(units: .fixed(32))),
        ]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [3, 8, 8], classes: 10, layers: layers)).analysis)
        let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: "tiny", mode: .training(.mimic)))
        let executor = Executor(plan: try ExecutionPlan.make(graph, batch: batch), threads: threads)
        Initializer.glorot(executor, scale: 1, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        for v in graph.values where v.role == .input || v.role == .target {
            let p = try XCTUnwrap(executor.pointer(v.id))
            for i in 0..<(batch * v.elementCount) { p[i] = generator.uniform(-1, 1) }
        }
        return Run(executor: executor, optimizer: MimicRuntime.Optimizer(rule, parameterCount: executor.plan.parameterCount), graph: graph)
    }

    func train(_ run: Run, steps: Int, lr: Double) -> [Double] {
        (0..<steps).map { _ in
            run.executor.run()
            run.optimizer.step(parameters: run.executor.parameters.baseAddress!, gradients: run.executor.gradients.baseAddress!, lr: lr)
            return run.executor.loss
        }
    }

    /// Recorded once from this code; a change in any kernel, the initialisation, the loss or
    /// the optimizer shows up here.
    func testPinnedLossCurve() throws {
        let run = try makeRun(batch: 16, optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 0))
        let losses = train(run, steps: 20, lr: 0.05)
        let pinned: [Double] = PinnedLosses.sgdNesterov
        if pinned.isEmpty { return XCTFail("record: \(losses)") }
        for (step, (got, want)) in zip(losses, pinned).enumerated() {
            // Relative: BLAS builds differ in the last bits, and 20 steps amplify them a little.
            XCTAssertEqual(got, want, accuracy: 1e-3 * want, "step \(step)")
        }
    }

    func testOverfits64ImagesToNearZeroLoss() throws {
        let run = try makeRun(batch: 64, optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0))
        let losses = train(run, steps: 300, lr: 0.01)
        XCTAssertLessThan(losses.last!, 0.01 * losses.first!, "first \(losses.first!), last \(losses.last!)")
    }

    func testSameSeedGivesBitIdenticalParameters() throws {
        var finals: [[Float]] = []
        for _ in 0..<2 {
            let run = try makeRun(batch: 16, optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-4))
            _ = train(run, steps: 5, lr: 0.05)
            finals.append(Array(run.executor.parameters))
        }
        XCTAssertEqual(finals[0], finals[1])
        let other = try makeRun(batch: 16, optimizer: .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-4), seed: 8)
        _ = train(other, steps: 5, lr: 0.05)
        XCTAssertNotEqual(Array(other.executor.parameters), finals[0], "a different seed gives different parameters")
    }

    func testOptimizerMatchesItsDefinition() {
        // Two Nesterov steps by hand: v = mu v + g; p -= lr (g + mu v).
        let optimizer = MimicRuntime.Optimizer(.sgd(momentum: 0.5, nesterov: true, weightDecay: 0), parameterCount: 1)
        var p: [Float] = [1]
        let g: [Float] = [2]
        optimizer.step(parameters: &p, gradients: g, lr: 0.1)
        XCTAssertEqual(p[0], 1 - 0.1 * (2 + 0.5 * 2), accuracy: 1e-6)
        optimizer.step(parameters: &p, gradients: g, lr: 0.1)
        XCTAssertEqual(p[0], 0.7 - 0.1 * (2 + 0.5 * 3), accuracy: 1e-6)
        // Adam's first step moves each weight by lr against the gradient's sign.
        let adam = MimicRuntime.Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), parameterCount: 2)
        var q: [Float] = [0, 0]
        adam.step(parameters: &q, gradients: [3, -0.5], lr: 0.01)
        XCTAssertEqual(q[0], -0.01, accuracy: 1e-6)
        XCTAssertEqual(q[1], 0.01, accuracy: 1e-6)
    }
}

enum PinnedLosses {
    /// Batch 16, SGD lr 0.05 with Nesterov momentum 0.9, seed 7, two threads.
    static let sgdNesterov: [Double] = [
        4.7541741203469785,
        0.8555682760520924,
        0.07869434517865337,
        0.07102756479101212,
        0.06079136728108986,
        0.04552254957657674,
        0.031043292371790692,
        0.01889940216758036,
        0.011894300790940365,
        0.009505507701842397,
        0.009293561972579228,
        0.009641579881350355,
        0.009400021934236214,
        0.008104104815978005,
        0.006186368847147193,
        0.0041818762865061315,
        0.0025095338387752077,
        0.0014478880822999536,
        0.0009541415056265798,
        0.0008290364790505913,
    ]
}

/// PyTorch's default initialisation and a per-step momentum override.
final class InitAndMomentumTests: XCTestCase {
    func testFanInUniformBoundsWeightsAndBiasesByTheirFanIn() throws {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(6), kernel: 3)), .dense(Dense(units: .fixed(20)))]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 5, 5], classes: 4, layers: layers)).analysis)
        let graph = GraphBuilder.forward(analysis, name: "t", mode: .inference)
        let executor = Executor(plan: try ExecutionPlan.make(graph, batch: 1), threads: 1)
        Initializer.initialize(executor, .fanInUniform, scale: 1, seed: 3)
        let fanIn = ["conv1": 2 * 9, "dense1": 6 * 25, "output": 20]
        for id in graph.parameters {
            let value = graph[id]
            let layer = String(value.name.split(separator: ".")[0])
            let bound = Float(1 / Double(try XCTUnwrap(fanIn[layer], value.name)).squareRoot())
            let p = try XCTUnwrap(executor.pointer(id))
            let values = (0..<value.elementCount).map { p[$0] }
            XCTAssertLessThanOrEqual(values.map(abs).max()!, bound, value.name)
            // Spread over the interval, biases included (Glorot leaves them at zero).
            XCTAssertGreaterThan(values.map(abs).max()!, bound * 0.5, value.name)
        }
    }

    func testAMomentumOverrideActsAsThatMomentum() {
        let n = 5
        let g: [Float] = [0.5, -1, 2, 0.25, -0.75]
        var p1 = [Float](repeating: 1, count: n), p2 = p1
        let cycled = MimicRuntime.Optimizer(.sgd(momentum: 0.9, nesterov: true, weightDecay: 0), parameterCount: n)
        let fixed = MimicRuntime.Optimizer(.sgd(momentum: 0.85, nesterov: true, weightDecay: 0), parameterCount: n)
        for _ in 0..<3 {
            cycled.step(parameters: &p1, gradients: g, lr: 0.1, momentum: 0.85)
            fixed.step(parameters: &p2, gradients: g, lr: 0.1)
        }
        XCTAssertEqual(p1, p2)
    }
}

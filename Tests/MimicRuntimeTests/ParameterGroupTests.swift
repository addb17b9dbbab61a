import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import XCTest

/// Per-kind rates and decoupled weight decay (the fast recipe's 64x rate on biases and
/// batchnorm shifts), checked against the update written out by hand.
final class ParameterGroupTests: XCTestCase {
    func plan() throws -> ExecutionPlan {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(2), kernel: 1, activation: .none, bias: false)),
                               .batchnorm(BatchNorm(activation: .relu)), .flatten(Flatten())]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [1, 2, 2], classes: 3, layers: layers)).analysis)
        return try Compilation.compile(analysis, name: "groups", purpose: .training(.mimic), options: .init(batch: 2)).plan
    }

    /// conv1.weight [2,1,1,1] is a weight (rank 4); bn1.scale and bn1.shift are biases
    /// (rank 1) and share one group; output.weight [3,8] is a weight; output.bias a bias.
    func testGroupsFollowTheParameterKinds() throws {
        let plan = try plan()
        let names = plan.graph.parameters.map { plan.graph[$0].name }
        XCTAssertEqual(names, ["conv1.weight", "bn1.scale", "bn1.shift", "output.weight", "output.bias"])
        let settings = ParameterGroups(multipliers: [.biases: KindMultipliers(lr: 64, weightDecay: 2)], decoupledDecay: true)
        let groups = MimicRuntime.Optimizer.groups(plan, settings, decay: 0.01, baseRate: 0.5)
        XCTAssertEqual(groups.map(\.range), [0..<2, 2..<6, 6..<30, 30..<33])
        XCTAssertEqual(groups.map(\.rate), [1, 64, 1, 64])
        // Decoupled: the coefficient is decay x multiplier / (base rate x rate multiplier).
        XCTAssertEqual(groups[0].decay, Float(0.01 / 0.5), accuracy: 1e-9)
        XCTAssertEqual(groups[1].decay, Float(0.01 * 2 / (0.5 * 64)), accuracy: 1e-9)
        let coupled = MimicRuntime.Optimizer.groups(plan, ParameterGroups(multipliers: [.biases: KindMultipliers(lr: 64, weightDecay: 2)]),
                                                    decay: 0.01, baseRate: 0.5)
        XCTAssertEqual(coupled.map(\.decay), [0.01, 0.02, 0.01, 0.02].map(Float.init))
        let plain = MimicRuntime.Optimizer.groups(plan, ParameterGroups(), decay: 0.01, baseRate: 0.5)
        XCTAssertEqual(plain.count, 1, "one kind of treatment, one group")
    }

    /// Two steps of Nesterov SGD by hand: a weight and a bias, the bias at 8x the rate, decay
    /// decoupled, so that each step shrinks both by the same `decay x lr / base` whatever their rate.
    func testAStepUsesEachGroupsRateAndDecay() {
        let base = 0.1, decay = 0.02, mu: Float = 0.5
        let groups = [MimicRuntime.Optimizer.Group(range: 0..<1, rate: 1, decay: Float(decay / base)),
                      MimicRuntime.Optimizer.Group(range: 1..<2, rate: 8, decay: Float(decay / (base * 8)))]
        let optimizer = MimicRuntime.Optimizer(.sgd(momentum: Double(mu), nesterov: true, weightDecay: decay), parameterCount: 2,
                                               groups: groups)
        var p: [Float] = [1, 2]
        let g: [Float] = [0.3, -0.4]
        var expected = p, v: [Float] = [0, 0]
        for step in 0..<2 {
            let lr = step == 0 ? base : base / 2
            for i in 0..<2 {
                let d = g[i] + groups[i].decay * expected[i]
                v[i] = mu * v[i] + d
                expected[i] -= Float(lr) * groups[i].rate * (d + mu * v[i])
            }
            optimizer.step(parameters: &p, gradients: g, lr: lr)
        }
        XCTAssertEqual(p[0], expected[0], accuracy: 1e-6)
        XCTAssertEqual(p[1], expected[1], accuracy: 1e-6)
        // With no gradient the first step's shrink is lr x coefficient x (1 + mu) for both.
        var q: [Float] = [1, 1]
        let fresh = MimicRuntime.Optimizer(.sgd(momentum: Double(mu), nesterov: true, weightDecay: decay), parameterCount: 2, groups: groups)
        fresh.step(parameters: &q, gradients: [0, 0], lr: base)
        XCTAssertEqual(q[0], 1 - Float(decay) * (1 + mu), accuracy: 1e-7)
        XCTAssertEqual(q[1], q[0], accuracy: 1e-7, "decoupled: the same shrink at 8x the rate")
    }
}

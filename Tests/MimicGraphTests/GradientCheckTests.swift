import MimicBasics
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import XCTest

/// One generic finite-difference checker over whole graphs: the backward graph that
/// Autodiff derives, run by the reference kernels, must match central differences of the
/// loss for every parameter tensor. It covers every op's backward rule.
final class GradientCheckTests: XCTestCase {
    struct Case {
        var name: String
        var input: [Int]
        var layers: [Layer]
        var loss: LossKind
    }

    static let cases: [Case] = [
        Case(name: "conv-tanh-pool-sigmoid", input: [2, 6, 6], layers: [
            .conv(Conv(filters: .fixed(3), kernel: 3, activation: .tanh)),
            .maxpool(MaxPool(size: 2)),
            .dense(Dense(units: .fixed(5), activation: .sigmoid)),
        ], loss: .mimic),
        Case(name: "strided-gelu-batchnorm-bottleneck-dropout", input: [2, 7, 7], layers: [
            .conv(Conv(filters: .fixed(4), kernel: 3, stride: 2, padding: .explicit(1), activation: .gelu)),
            .batchnorm(BatchNorm()),
            .flatten(Flatten()),
            .linear(Linear(units: .fixed(4))),
            .dense(Dense(units: .fixed(6), activation: .relu)),
            .dropout(Dropout(rate: 0.3)),
        ], loss: .kd(temperature: 2, alpha: 0.7)),
        Case(name: "valid-conv-overlapping-pool-relu", input: [3, 8, 8], layers: [
            .conv(Conv(filters: .fixed(3), kernel: 2, padding: .valid, activation: .relu)),
            .maxpool(MaxPool(size: 3, stride: 2)),
            .dense(Dense(units: .fixed(7), activation: .relu)),
        ], loss: .crossEntropy),
    ]

    func testBackwardGraphMatchesFiniteDifferences() throws {
        for testCase in Self.cases {
            let model = Model(input: testCase.input, classes: 4, layers: testCase.layers)
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(model).analysis, testCase.name)
            let graph = Autodiff.backward(GraphBuilder.forward(analysis, name: testCase.name, mode: .training(testCase.loss)))
            XCTAssertEqual(Verifier.verify(graph), [], testCase.name)
            let batch = 3
            var generator = SeededGenerator(seed: 11)
            var feeds: [ValueID: Tensor] = [:]
            for value in graph.values {
                let shape = (graph.isBatched(value.id) ? [batch] : []) + value.shape
                let count = shape.reduce(1, *)
                switch value.role {
                case .input, .parameter:
                    feeds[value.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-1, 1) })
                case .state:
                    feeds[value.id] = Tensor(shape: shape, data: [Float](repeating: value.name.hasSuffix("var") ? 1 : 0, count: count))
                case .target where value.name == "label":
                    feeds[value.id] = Tensor(shape: shape, data: (0..<count).map { Float($0 % 4) })
                case .target:
                    feeds[value.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-2, 2) })
                default: break
                }
            }
            let lossID = graph.outputs[0]
            func loss(_ feeds: [ValueID: Tensor]) -> Double {
                Double(ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, dropoutSeed: 5)[lossID]!.data[0])
            }
            let analytic = ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, dropoutSeed: 5)
            for parameter in graph.parameters {
                let gradient = try XCTUnwrap(analytic[try XCTUnwrap(graph.gradient(of: parameter))])
                let count = feeds[parameter]!.count
                for index in Set((0..<6).map { ($0 * 7919) % count }) {
                    let epsilon: Float = 1e-3
                    var plus = feeds, minus = feeds
                    plus[parameter]!.data[index] += epsilon
                    minus[parameter]!.data[index] -= epsilon
                    let numeric = (loss(plus) - loss(minus)) / Double(2 * epsilon)
                    let exact = Double(gradient.data[index])
                    XCTAssertEqual(exact, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric),
                                   "\(testCase.name) \(graph[parameter].name)[\(index)]")
                }
            }
        }
    }
}

import MimicBasics
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import MimicTestSupport
import XCTest

/// One generic finite-difference checker over whole graphs: the backward graph that
/// Autodiff derives, run by the reference kernels, must match central differences of the
/// loss for every parameter tensor. It covers every op's backward rule.
final class GradientCheckTests: XCTestCase {
    struct Case {
        var name: String
        var input: [Int]
        var layers: [Layer]
        var output = OutputLayer()
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
        // Bias-free convolution and dense layers, as the fast recipe's (and its output layer).
        Case(name: "bias-free-gelu-batchnorm", input: [2, 6, 6], layers: [
            .conv(Conv(filters: .fixed(3), kernel: 2, padding: .explicit(0), activation: .none, bias: false)),
            .batchnorm(BatchNorm(activation: .gelu)),
            .dense(Dense(units: .fixed(5), activation: .tanh, bias: false)),
        ], output: OutputLayer(bias: false, scale: 0.5), loss: .smoothedCrossEntropy(smoothing: 0.2)),
        Case(name: "dense-mimic-averaged-over-classes", input: [2, 4, 4], layers: [
            .dense(Dense(units: .fixed(6), activation: .tanh)),
        ], loss: .mimicMean),
        Case(name: "valid-conv-overlapping-pool-relu", input: [3, 8, 8], layers: [
            .conv(Conv(filters: .fixed(3), kernel: 2, padding: .valid, activation: .relu)),
            .maxpool(MaxPool(size: 3, stride: 2)),
            .dense(Dense(units: .fixed(7), activation: .relu)),
        ], loss: .crossEntropy),
    ]

    func testBackwardGraphMatchesFiniteDifferences() throws {
        for testCase in Self.cases {
            let model = Model(input: testCase.input, classes: 4, layers: testCase.layers, output: testCase.output)
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(model).analysis, testCase.name)
            let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: testCase.name, mode: .training(testCase.loss)))
            try GraphChecks.assertGradientsMatchFiniteDifferences(graph, batch: 3, classes: 4, seed: 11, testCase.name)
        }
    }
}

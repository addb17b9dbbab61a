import MimicBasics
import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTestSupport
import MimicVocabulary
import XCTest

/// The whitening stem: its eigen decomposition, the filters (checked by what they do to the
/// patches, without numpy), and a frozen convolution that training leaves alone.
final class WhiteningTests: XCTestCase {
    /// A v = lambda v for each pair, the vectors orthonormal, the values ascending.
    func testJacobiDecomposesASymmetricMatrix() {
        let n = 5
        var g = SeededGenerator(seed: 4)
        let b = (0..<(n * n)).map { _ in Double(g.uniform(-1, 1)) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        let (values, vectors) = SymmetricEigen.decompose(a, size: n)
        XCTAssertEqual(values, values.sorted())
        for j in 0..<n {
            for i in 0..<n {
                let av = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * vectors[$1 * n + j] }
                XCTAssertEqual(av, values[j] * vectors[i * n + j], accuracy: 1e-10, "A v = lambda v, vector \(j) row \(i)")
            }
            for k in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + vectors[$1 * n + j] * vectors[$1 * n + k] }
                XCTAssertEqual(dot, j == k ? 1 : 0, accuracy: 1e-12)
            }
        }
        // A known case: [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (two, _) = SymmetricEigen.decompose([2, 1, 1, 2], size: 2)
        XCTAssertEqual(two[0], 1, accuracy: 1e-14)
        XCTAssertEqual(two[1], 3, accuracy: 1e-14)
    }

    /// Images whose channels are correlated (the second channel mostly copies the first):
    /// the first half of the filters maps their 2x2 patches to values whose covariance is the
    /// identity (with epsilon far below every eigenvalue); the second half is the first negated.
    func testWhitenedPatchesHaveIdentityCovariance() {
        let (count, channels, side, kernel) = (20, 2, 9, 2)
        var g = SeededGenerator(seed: 11)
        var images = [Float](repeating: 0, count: count * channels * side * side)
        for n in 0..<count {
            for p in 0..<(side * side) {
                let a = g.uniform(-2, 2), noise = g.uniform(-0.5, 0.5)
                images[(n * channels) * side * side + p] = a + 3
                images[(n * channels + 1) * side * side + p] = 0.8 * a + noise
            }
        }
        let d = channels * kernel * kernel
        let filters = images.withUnsafeBufferPointer {
            Whitening.filters(images: $0.baseAddress!, count: count, channels: channels, height: side, width: side,
                              kernel: kernel, epsilon: 1e-9)
        }
        XCTAssertEqual(filters.count, 2 * d * d)
        for i in 0..<(d * d) { XCTAssertEqual(filters[d * d + i], -filters[i]) }
        let covariance = images.withUnsafeBufferPointer {
            Whitening.patchCovariance(images: $0.baseAddress!, count: count, channels: channels, height: side, width: side, kernel: kernel)
        }
        // W C W^T over the first d filters.
        for r in 0..<d {
            for s in 0..<d {
                var value = 0.0
                for i in 0..<d { for j in 0..<d { value += Double(filters[r * d + i]) * covariance[i * d + j] * Double(filters[s * d + j]) } }
                XCTAssertEqual(value, r == s ? 1 : 0, accuracy: 2e-3, "whitened covariance [\(r)][\(s)]")
            }
        }
        // The covariance itself against a direct two-pass computation of one entry.
        let rows = side - 1
        var first = [Double](), second = [Double]()
        for n in 0..<count {
            for y in 0..<rows {
                for x in 0..<rows {
                    first.append(Double(images[(n * channels) * side * side + y * side + x]))
                    second.append(Double(images[(n * channels + 1) * side * side + (y + 1) * side + x + 1]))
                }
            }
        }
        let m1 = first.reduce(0, +) / Double(first.count), m2 = second.reduce(0, +) / Double(second.count)
        let direct = zip(first, second).reduce(0.0) { $0 + ($1.0 - m1) * ($1.1 - m2) } / Double(first.count)
        XCTAssertEqual(covariance[0 * d + 7], direct, accuracy: 1e-9, "channel 0 tap (0,0) against channel 1 tap (1,1)")
    }

    /// A frozen convolution's weights are state: not counted, no gradient, unchanged by
    /// steps, while its bias and the next layer learn; gradients still match finite differences.
    func testAFrozenConvolutionIsNotTrained() throws {
        let layers: [Layer] = [
            .conv(Conv(filters: .fixed(8), kernel: 2, padding: .explicit(0), activation: .gelu,
                       initialization: .whitening(epsilon: 5e-4, images: 10), frozen: true)),
            .dense(Dense(units: .fixed(5))),
        ]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [1, 5, 5], classes: 3, layers: layers)).analysis)
        XCTAssertEqual(analysis.layers[0].params, 8, "the bias alone")
        let compiled = try Compilation.compile(analysis, name: "frozen", purpose: .training(.mimic), options: .init(batch: 4))
        let g = compiled.plan.graph
        let weight = try XCTUnwrap(g.values.first { $0.name == "conv1.weight" })
        XCTAssertEqual(weight.role, .state)
        XCTAssertNil(g.gradient(of: weight.id), "no gradient for a frozen weight")
        XCTAssertFalse(g.ops.contains { $0.is(Ops.Conv2DGradWeight.self) || $0.is(Ops.Conv2DGradInput.self) },
                       "nothing flows back through the stem")
        let run = Executor(plan: compiled.plan, threads: 1)
        Initializer.initialize(run, .glorot, scale: 1, seed: 5)
        let frozen = GraphChecks.read(run, weight.id, count: 32)
        XCTAssertGreaterThan(frozen.filter { $0 != 0 }.count, 20, "the scheme's values stand in without data")
        let feeds = GraphChecks.randomFeeds(g, batch: 4, seed: 8)
        for v in g.values where v.role == .input || v.role == .target { GraphChecks.load([v.id: feeds[v.id]!], into: run) }
        let optimizer = MimicRuntime.Optimizer(.sgd(momentum: 0.9, nesterov: true, weightDecay: 0.1), parameterCount: run.plan.parameterCount)
        let bias = try XCTUnwrap(g.values.first { $0.name == "conv1.bias" }?.id)
        let before = GraphChecks.read(run, bias, count: 8)
        for _ in 0..<3 {
            run.run()
            optimizer.step(parameters: run.parameters.baseAddress!, gradients: run.gradients.baseAddress!, lr: 0.1)
        }
        XCTAssertEqual(GraphChecks.read(run, weight.id, count: 32), frozen, "frozen")
        XCTAssertNotEqual(GraphChecks.read(run, bias, count: 8), before, "the bias learns")
        try GraphChecks.assertGradientsMatchFiniteDifferences(g, batch: 3, classes: 3, seed: 2, "frozen convolution")
        try GraphChecks.assertExecutorMatchesReference(g, batch: 4, seed: 6, "frozen convolution")
    }
}

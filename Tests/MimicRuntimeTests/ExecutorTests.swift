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

/// The planned executor (fast kernels, fused or not, one or two threads) against the
/// reference interpreter: same loss, same parameter gradients, same outputs.
final class ExecutorTests: XCTestCase {
    static let models: [(String, [Int], [Layer], LossKind)] = [
        ("cnn-relu-pool", [3, 12, 12], [
            .conv(Conv(filters: .fixed(8), kernel: 5)),
            .maxpool(MaxPool(size: 2)),
            .conv(Conv(filters: .fixed(6), kernel: 3)),
            .maxpool(MaxPool(size: 3)),
            .dense(Dense(units: .fixed(17))),
        ], .mimic),
        ("strided-valid-gelu-batchnorm-dropout", [2, 9, 9], [
            .conv(Conv(filters: .fixed(5), kernel: 3, stride: 2, padding: .explicit(1), activation: .none)),
            .batchnorm(BatchNorm(activation: .gelu)),
            .conv(Conv(filters: .fixed(4), kernel: 2, padding: .valid, activation: .tanh)),
            .maxpool(MaxPool(size: 2, stride: 1)),
            .flatten(Flatten()),
            .linear(Linear(units: .fixed(9))),
            .dense(Dense(units: .fixed(11), activation: .sigmoid)),
            .dropout(Dropout(rate: 0.25)),
        ], .kd(temperature: 3, alpha: 0.6)),
        ("mlp-bottleneck-1x1", [4, 5, 5], [
            .conv(Conv(filters: .fixed(6), kernel: 1, padding: .valid)),
            .linear(Linear(units: .fixed(7))),
            .dense(Dense(units: .fixed(13))),
        ], .crossEntropy),
        // Many channels into 5x5 layers: input gradients as convolutions of 31 and 4
        // channels, sums of hundreds of products per element; the first layer over Winograd
        // F(2,5) tiles. Layers that round differently from the reference take tanh, not ReLU:
        // a pre-activation within rounding of zero can take the other side of ReLU's kink
        // and move a gradient by a whole term, which says nothing about the kernels.
        ("wide-5x5", [31, 16, 16], [
            .conv(Conv(filters: .fixed(31), kernel: 5, activation: .tanh)),
            .conv(Conv(filters: .fixed(4), kernel: 5)),
            .maxpool(MaxPool(size: 4)),
            .dense(Dense(units: .fixed(5))),
        ], .mimic),
        // A first layer as the students' (3 channels, one image per GEMM, written in place)
        // with the 2x2 pooling fused into it, the pooling's eight-window path included.
        ("first-layer-pooled", [3, 32, 32], [
            .conv(Conv(filters: .fixed(6), kernel: 5)),
            .maxpool(MaxPool(size: 2)),
            .dense(Dense(units: .fixed(7))),
        ], .mimic),
        // Winograd F(4,3) tiles on 10x10 maps: 3x3 tiles a map, the last partly outside it.
        ("winograd-3x3-odd", [16, 10, 10], [
            .conv(Conv(filters: .fixed(18), kernel: 3, activation: .tanh)),
            .conv(Conv(filters: .fixed(16), kernel: 3, activation: .tanh)),
            .maxpool(MaxPool(size: 2)),
            .dense(Dense(units: .fixed(5))),
        ], .mimic),
        // Dense GEMMs large enough to split over two threads, by columns (n > m): the forward
        // and both gradients (B as is and transposed, A transposed).
        ("dense-split-by-columns", [4, 16, 16], [
            .flatten(Flatten()),
            .dense(Dense(units: .fixed(300))),
            .dense(Dense(units: .fixed(7))),
        ], .mimic),
        // A strided layer with 256 output positions: one image per GEMM on the col2im path.
        ("strided-one-image", [2, 32, 32], [
            .conv(Conv(filters: .fixed(4), kernel: 3, stride: 2, padding: .explicit(1))),
            .conv(Conv(filters: .fixed(3), kernel: 3, stride: 2, padding: .explicit(1))),
            .dense(Dense(units: .fixed(5))),
        ], .mimic),
    ]

    func testExecutorMatchesTheReferenceInterpreter() throws {
        for (name, input, layers, loss) in Self.models {
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 3, layers: layers)).analysis, name)
            let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
            if name.hasPrefix("wide") || name.hasPrefix("winograd") {
                let names = Executor(plan: try ExecutionPlan.make(graph, batch: 5), threads: 1).kernelNames
                XCTAssertTrue(names.contains { $0.contains("winograd") }, "\(name) should run Winograd tiles: \(names)")
            }
            try GraphChecks.assertExecutorMatchesReference(graph, batch: 5, seed: 21, name)
        }
    }

    /// The fast recipe's pieces: bias-free convolutions (alone, and ahead of a batchnorm), a
    /// 2x2 stem without padding, a bias-free output layer and its scale, for both losses.
    func testBiasFreeLayersAndTheOutputScale() throws {
        let layers: [Layer] = [
            .conv(Conv(filters: .fixed(6), kernel: 2, padding: .explicit(0), activation: .gelu)),
            .batchnorm(BatchNorm(activation: .gelu)),
            .conv(Conv(filters: .fixed(16), kernel: 3, activation: .none, bias: false)),
            .maxpool(MaxPool(size: 2)),
            .batchnorm(BatchNorm(activation: .gelu)),
            .conv(Conv(filters: .fixed(8), kernel: 3, activation: .none, bias: false)),
            .batchnorm(BatchNorm(activation: .relu)),
            .conv(Conv(filters: .fixed(16), kernel: 3, activation: .tanh, bias: false)),
            .maxpool(MaxPool(size: 3)),
            .flatten(Flatten()),
        ]
        for loss in [LossKind.mimic, .crossEntropy] {
            let model = Model(input: [3, 13, 13], classes: 3, layers: layers, output: OutputLayer(bias: false, scale: 1.0 / 9))
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(model).analysis)
            let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: "fast-\(loss)", mode: .training(loss)))
            XCTAssertFalse(graph.values.contains { $0.name == "conv2.bias" || $0.name == "output.bias" })
            let names = Executor(plan: try ExecutionPlan.make(graph, batch: 4), threads: 1).kernelNames
            XCTAssertTrue(names.contains("batchnorm+act") && names.contains("act_grad+batchnorm_grad"), "\(names)")
            XCTAssertTrue(names.contains("conv2d+maxpool"), "a bias-free convolution pools in its epilogue: \(names)")
            try GraphChecks.assertExecutorMatchesReference(graph, batch: 4, seed: 31, "fast \(loss)")
        }
        // Inference without folding (the trainer's evaluator): each bias-free convolution runs
        // its pool, batchnorm and activation in its epilogue (the batchnorm after the biased
        // stem stays a kernel of its own); the logits are those of the reference interpreter,
        // and a pool's argmax is never written.
        let model = Model(input: [3, 13, 13], classes: 3, layers: layers, output: OutputLayer(bias: false, scale: 1.0 / 9))
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(model).analysis)
        let graph = GraphBuilder.forward(analysis, name: "fast-inference", mode: .inference)
        var feeds = GraphChecks.randomFeeds(graph, batch: 4, seed: 5)
        for v in graph.values where v.name.hasSuffix("running_var") { feeds[v.id]!.data = feeds[v.id]!.data.map { abs($0) + 0.5 } }
        let reference = ReferenceInterpreter.run(graph, batch: 4, feeds: feeds, dropoutSeed: 0)[graph.outputs[0]]!.data
        for fuse in [true, false] {
            let plan = try ExecutionPlan.make(graph, batch: 4, fuse: fuse)
            let executor = Executor(plan: plan, threads: 2)
            let names = executor.kernelNames
            XCTAssertEqual(names.contains("conv2d+maxpool+batchnorm_inference+act"), fuse, "\(names)")
            XCTAssertEqual(names.contains("conv2d+batchnorm_inference+act"), fuse, "\(names)")
            XCTAssertEqual(names.contains("batchnorm_inference+act"), fuse, "the one after a biased convolution: \(names)")
            for value in graph.values where value.role == .saved {
                // Discarded, or (when its pool is fused) inside the kernel: never in the arena.
                XCTAssertTrue(plan.storage[value.id] == .discarded || plan.storage[value.id] == .kernelInternal, value.name)
            }
            GraphChecks.load(feeds, into: executor)
            executor.run()
            assertClose(GraphChecks.read(executor, graph.outputs[0], count: 12), reference, "inference fuse=\(fuse)")
        }
    }

    func testSameSeedAndThreadsGiveBitIdenticalGradients() throws {
        let (name, input, layers, loss) = Self.models[1]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 3, layers: layers)).analysis)
        let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
        let feeds = GraphChecks.randomFeeds(graph, batch: 6, seed: 4)
        var results: [[Float]] = []
        for _ in 0..<2 {
            let executor = Executor(plan: try ExecutionPlan.make(graph, batch: 6), threads: 2)
            GraphChecks.load(feeds, into: executor)
            executor.run()
            results.append(Array(executor.gradients))
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// Shards of a study run on machines with different core counts: the same feeds must give
    /// bit-identical loss, gradients and outputs on 1, 2 and 3 threads, for every model kind
    /// (work is split by data into pieces that do not depend on the thread count, and partial
    /// sums are added in one fixed order).
    func testGradientsDoNotDependOnTheThreadCount() throws {
        for (name, input, layers, loss) in Self.models {
            let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 3, layers: layers)).analysis)
            let graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
            for batch in [7, 32] {
                let feeds = GraphChecks.randomFeeds(graph, batch: batch, seed: 4)
                var results: [(loss: Double, gradients: [Float])] = []
                for threads in 1...3 {
                    let executor = Executor(plan: try ExecutionPlan.make(graph, batch: batch), threads: threads)
                    GraphChecks.load(feeds, into: executor)
                    executor.run()
                    results.append((executor.loss, Array(executor.gradients)))
                }
                for threads in 2...3 {
                    XCTAssertEqual(results[threads - 1].loss, results[0].loss, "\(name) batch \(batch): loss on \(threads) threads")
                    let differing = zip(results[threads - 1].gradients, results[0].gradients).filter { $0.0 != $0.1 }.count
                    XCTAssertEqual(differing, 0, "\(name) batch \(batch): gradients that differ on \(threads) threads from 1")
                }
            }
        }
    }

    /// An inference plan multiplies by dense weights packed once (`PackedGEMM`, where the CPU
    /// has a packed kernel): its logits are the reference interpreter's, the same bits on 1, 2
    /// and 3 threads, and after new weights are loaded they are those of the new weights (the
    /// packed copy was refreshed, not reused). A training plan changes its weights every step
    /// and never keeps such a copy.
    func testInferencePlansPackDenseWeightsAndPackAgainWhenTheyChange() throws {
        let layers: [Layer] = [
            .flatten(Flatten()),
            .linear(Linear(units: .fixed(40))),
            .dense(Dense(units: .fixed(70))),
            .dense(Dense(units: .fixed(33), activation: .gelu)),
            .dense(Dense(units: .fixed(17), activation: .tanh, bias: false)),
        ]
        let model = Model(input: [3, 8, 8], classes: 10, layers: layers)
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(model).analysis)
        let graph = GraphBuilder.forward(analysis, name: "packed", mode: .inference)
        let batch = 26
        let parameters = Set(graph.parameters)
        for fuse in [true, false] {
            var outputs: [[Float]] = []
            for threads in 1...3 {
                let executor = Executor(plan: try ExecutionPlan.make(graph, batch: batch, fuse: fuse), threads: threads)
                XCTAssertEqual(executor.parameterGeneration, 0)
                for seed: UInt64 in [5, 6] {
                    var feeds = GraphChecks.randomFeeds(graph, batch: batch, seed: seed)
                    if seed == 6 {
                        // New weights for the same images: only the parameters are written.
                        feeds = feeds.filter { parameters.contains($0.key) }
                        let images = GraphChecks.randomFeeds(graph, batch: batch, seed: 5).filter { !parameters.contains($0.key) }
                        feeds.merge(images) { first, _ in first }
                    }
                    GraphChecks.load(feeds, into: executor)
                    executor.run()
                    let reference = ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, dropoutSeed: 0)[graph.outputs[0]]!.data
                    let logits = GraphChecks.read(executor, graph.outputs[0], count: batch * 10)
                    assertClose(logits, reference, "fuse=\(fuse) threads=\(threads) weights \(seed)")
                    if threads == 1 || seed == 6 { outputs.append(logits) }
                }
                XCTAssertEqual(executor.parameterGeneration, 2)
            }
            XCTAssertNotEqual(outputs[0], outputs[1], "new weights, new logits")
            for (index, logits) in outputs.enumerated().dropFirst(2) {
                XCTAssertEqual(logits, outputs[1], "fuse=\(fuse): run \(index) differs from one thread's")
            }
        }
        let training = try Autodiff.backward(GraphBuilder.forward(analysis, name: "packed", mode: .training(.mimic)))
        XCTAssertNil(Executor(plan: try ExecutionPlan.make(training, batch: 4), threads: 1).parameterGeneration)
    }
}

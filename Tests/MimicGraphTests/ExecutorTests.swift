import MimicBasics
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import XCTest

/// The planned executor (fast kernels, fused or not, one or two threads) against the
/// reference interpreter: same loss, same parameter gradients, same outputs.
class ExecutorTestsBase: XCTestCase {
    func randomFeeds(_ g: Graph, batch: Int, seed: UInt64) -> [ValueID: Tensor] {
        var generator = SeededGenerator(seed: seed)
        var feeds: [ValueID: Tensor] = [:]
        for v in g.values {
            let shape = (g.isBatched(v.id) ? [batch] : []) + v.shape
            let count = shape.reduce(1, *)
            switch v.role {
            case .input, .parameter: feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-1, 1) })
            case .state: feeds[v.id] = Tensor(shape: shape, data: [Float](repeating: v.name.hasSuffix("var") ? 1 : 0, count: count))
            case .target where v.name == "label": feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { Float($0 % 3) })
            case .target: feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-2, 2) })
            default: break
            }
        }
        return feeds
    }

    func load(_ feeds: [ValueID: Tensor], into executor: Executor) {
        for (id, tensor) in feeds {
            guard let p = executor.pointer(id) else { continue }
            tensor.data.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }

    /// Runs one step kernel by kernel and returns each dropout mask as drawn.
    func runCapturingMasks(_ executor: Executor, _ graph: Graph, batch: Int) -> [ValueID: Tensor] {
        var masks: [ValueID: Tensor] = [:]
        for (k, kernel) in executor.plan.kernels.enumerated() {
            executor.runKernel(k)
            for i in kernel.ops { if graph.ops[i].is(Ops.Dropout.self) {
                let mask = graph.ops[i].outputs[1]
                masks[mask] = Tensor(shape: [batch] + graph[mask].shape, data: read(executor, mask, count: batch * graph[mask].elementCount))
            } }
        }
        return masks
    }

    func read(_ executor: Executor, _ id: ValueID, count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: executor.pointer(id)!, count: count))
    }

    /// Norm-wise, as BLAS tests measure: the largest difference over the reference's largest
    /// magnitude (at least 1). Sums of thousands of products round differently in another
    /// order, and an element that cancels to near zero carries the rounding of its terms.
    func assertClose(_ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 5e-4) {
        XCTAssertEqual(a.count, b.count, what)
        let scale = max(1, b.reduce(0) { max($0, abs($1)) })
        var worst: Float = 0
        // `max` would drop a NaN; this keeps it, and a NaN is within no tolerance.
        for (x, y) in zip(a, b) { let difference = abs(x - y) / scale; if !(difference <= worst) { worst = difference } }
        XCTAssertLessThanOrEqual(worst, tolerance, what)
    }

}

final class ExecutorTests: ExecutorTestsBase {
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
            let graph = Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
            let batch = 5
            let feeds = randomFeeds(graph, batch: batch, seed: 21)
            if name.hasPrefix("wide") || name.hasPrefix("winograd") {
                let names = Executor(plan: try ExecutionPlan.make(graph, batch: batch), threads: 1).kernelNames
                XCTAssertTrue(names.contains { $0.contains("winograd") }, "\(name) should run Winograd tiles: \(names)")
            }
            for fuse in [true, false] {
                for threads in [1, 2] {
                    let label = "\(name) fuse=\(fuse) threads=\(threads)"
                    let executor = Executor(plan: try ExecutionPlan.make(graph, batch: batch, fuse: fuse), threads: threads)
                    load(feeds, into: executor)
                    // Dropout masks differ between the two engines, so the reference runs on the
                    // executor's masks, read right after they are drawn (their memory is reused).
                    let maskOverride = runCapturingMasks(executor, graph, batch: batch)
                    let reference = ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, masks: maskOverride)
                    XCTAssertEqual(executor.loss, Double(reference[graph.outputs[0]]!.data[0]), accuracy: 1e-4 * max(1, executor.loss), label)
                    for p in graph.parameters {
                        let gradient = graph.gradient(of: p)!
                        assertClose(read(executor, gradient, count: graph[p].elementCount), reference[gradient]!.data,
                                    "\(label) d\(graph[p].name)")
                    }
                }
            }
        }
    }

    func testSameSeedAndThreadsGiveBitIdenticalGradients() throws {
        let (name, input, layers, loss) = Self.models[1]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 3, layers: layers)).analysis)
        let graph = Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
        let feeds = randomFeeds(graph, batch: 6, seed: 4)
        var results: [[Float]] = []
        for _ in 0..<2 {
            let executor = Executor(plan: try ExecutionPlan.make(graph, batch: 6), threads: 2)
            load(feeds, into: executor)
            executor.run()
            results.append(Array(executor.gradients))
        }
        XCTAssertEqual(results[0], results[1])
    }
}

import MimicBasics
import MimicGraph
import MimicKernels
import MimicRuntime
import XCTest

/// Random values for a graph's inputs, parameters and targets, and the generic checks every
/// op kind must pass: its backward rule against central differences of the loss, and the
/// planned executor (fused or not, one or two threads) against the reference interpreter.
public enum GraphChecks {
    /// Inputs and parameters uniform in [-1, 1], teacher logits in [-2, 2], labels cycling
    /// over `classes`, running variances 1 and means 0.
    public static func randomFeeds(_ g: Graph, batch: Int, seed: UInt64, classes: Int = 3) -> [ValueID: Tensor] {
        var generator = SeededGenerator(seed: seed)
        var feeds: [ValueID: Tensor] = [:]
        for v in g.values {
            let shape = (g.isBatched(v.id) ? [batch] : []) + v.shape
            let count = shape.reduce(1, *)
            switch v.role {
            case .input, .parameter: feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-1, 1) })
            case .state:  // as the initialiser starts them
                feeds[v.id] = Tensor(shape: shape, data: [Float](repeating: v.initialization == .one ? 1 : 0, count: count))
            case .target where v.name == "label": feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { Float($0 % classes) })
            case .target: feeds[v.id] = Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-2, 2) })
            default: break
            }
        }
        return feeds
    }

    public static func load(_ feeds: [ValueID: Tensor], into executor: Executor) {
        for (id, tensor) in feeds {
            guard let p = executor.pointer(id) else { continue }
            tensor.data.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: tensor.count) }
        }
        // Parameters may be among the feeds: kernels holding packed copies must pack again.
        executor.parametersChanged()
    }

    public static func read(_ executor: Executor, _ id: ValueID, count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: executor.pointer(id)!, count: count))
    }

    /// Runs one step kernel by kernel and returns each dropout mask as drawn (its memory is
    /// reused later in the step).
    public static func runCapturingMasks(_ executor: Executor, _ graph: Graph, batch: Int) -> [ValueID: Tensor] {
        var masks: [ValueID: Tensor] = [:]
        for (k, kernel) in executor.plan.kernels.enumerated() {
            executor.runKernel(k)
            for i in kernel.ops where graph.ops[i].is(Ops.Dropout.self) {
                let mask = graph.ops[i].outputs[1]
                masks[mask] = Tensor(shape: [batch] + graph[mask].shape, data: read(executor, mask, count: batch * graph[mask].elementCount))
            }
        }
        return masks
    }

    /// The gradients the backward graph computes (reference kernels) against central
    /// differences of the loss, at six entries of every parameter tensor.
    public static func assertGradientsMatchFiniteDifferences(
        _ graph: Graph, batch: Int, classes: Int, seed: UInt64, _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(Verifier.verify(graph), [], name, file: file, line: line)
        let feeds = randomFeeds(graph, batch: batch, seed: seed, classes: classes)
        let lossID = graph.outputs[0]
        func loss(_ feeds: [ValueID: Tensor]) -> Double {
            Double(ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, dropoutSeed: 5)[lossID]!.data[0])
        }
        let analytic = ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, dropoutSeed: 5)
        for parameter in graph.parameters {
            let gradient = try XCTUnwrap(analytic[try XCTUnwrap(graph.gradient(of: parameter))], file: file, line: line)
            let count = feeds[parameter]!.count
            for index in Set((0..<6).map { ($0 * 7919) % count }) {
                let epsilon: Float = 1e-3
                var plus = feeds, minus = feeds
                plus[parameter]!.data[index] += epsilon
                minus[parameter]!.data[index] -= epsilon
                let numeric = (loss(plus) - loss(minus)) / Double(2 * epsilon)
                XCTAssertEqual(Double(gradient.data[index]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric),
                               "\(name) \(graph[parameter].name)[\(index)]", file: file, line: line)
            }
        }
    }

    /// The executor's loss and parameter gradients against the reference interpreter's, fused
    /// and not, on one and two threads.
    public static func assertExecutorMatchesReference(
        _ graph: Graph, batch: Int, seed: UInt64, _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let feeds = randomFeeds(graph, batch: batch, seed: seed)
        for fuse in [true, false] {
            for threads in [1, 2] {
                let label = "\(name) fuse=\(fuse) threads=\(threads)"
                let executor = Executor(plan: try ExecutionPlan.make(graph, batch: batch, fuse: fuse), threads: threads)
                load(feeds, into: executor)
                // Dropout masks differ between the two engines, so the reference runs on the
                // executor's masks.
                let masks = runCapturingMasks(executor, graph, batch: batch)
                let reference = ReferenceInterpreter.run(graph, batch: batch, feeds: feeds, masks: masks)
                XCTAssertEqual(executor.loss, Double(reference[graph.outputs[0]]!.data[0]), accuracy: 1e-4 * max(1, executor.loss),
                               label, file: file, line: line)
                for p in graph.parameters {
                    let gradient = graph.gradient(of: p)!
                    assertClose(read(executor, gradient, count: graph[p].elementCount), reference[gradient]!.data,
                                "\(label) d\(graph[p].name)", file: file, line: line)
                }
            }
        }
    }
}

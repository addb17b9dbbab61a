import MimicBasics
import MimicGraph

/// Where a value lives at run time.
public enum Storage: Sendable, Equatable {
    /// In the activation arena at this byte offset.
    case arena(offset: Int)
    /// In the contiguous parameter block, at this float offset.
    case parameters(offset: Int)
    /// In the contiguous parameter-gradient block, mirroring the parameter layout.
    case parameterGradients(offset: Int)
    /// In the state block (batchnorm running statistics), at this float offset.
    case state(offset: Int)
    /// The scalar loss.
    case loss
    /// Never written to memory: produced and consumed inside one fused kernel.
    case kernelInternal
    /// Never written at all: a value saved for a backward pass that this graph does not have
    /// (a pool's argmax in an inference graph). Its kernel skips it.
    case discarded
}

/// A graph planned for a batch size: kernels in order, where every value lives, and the
/// arena those places fit in. Everything here is decided before the first step runs.
public struct ExecutionPlan: Sendable {
    public var graph: Graph
    public var batch: Int
    public var kernels: [Kernel]
    public var storage: [ValueID: Storage]
    /// Bytes of each arena value, for the non-overlap check and reports.
    public var arenaBuffers: [ValueID: BufferRequest]
    public var arenaBytes: Int
    /// The arena size without planning: every buffer in a place of its own.
    public var unplannedBytes: Int
    public var parameterCount: Int
    /// Floats of the state block (batchnorm running statistics, frozen weights).
    public var stateCount: Int { graph.values.filter { $0.role == .state }.reduce(0) { SaturatingCount.sum($0, $1.elementCount) } }
    /// Values that are another value's memory seen with a different shape (flatten and its
    /// gradient): the kernel is a no-op and the value shares its source's buffer.
    public var views: [ValueID: ValueID]
    /// Rewrites applied before planning (folds), and folds declined with the reason.
    public var notes: [String] = []
    /// Whether convolutions that qualify run over Winograd tiles (`ConvolutionAlgorithm`);
    /// off, every convolution is im2col + GEMM.
    public var winograd = true

    /// Plans `graph` after checking it with the verifier: a plan exists only for a graph that
    /// verifies, whoever builds it.
    public static func make(_ graph: Graph, batch: Int, fuse: Bool = true, winograd: Bool = true) throws(InvalidGraph) -> ExecutionPlan {
        let problems = Verifier.verify(graph)
        guard problems.isEmpty else { throw InvalidGraph(name: graph.name, problems: problems) }
        let kernels = Fusion.kernels(graph, enabled: fuse)
        var kernelOfOp = [Int](repeating: 0, count: graph.ops.count)
        for (k, kernel) in kernels.enumerated() { for op in kernel.ops { kernelOfOp[op] = k } }

        // Lifetimes in kernel indices. Graph inputs and targets are filled before kernel 0.
        var first: [ValueID: Int] = [:], last: [ValueID: Int] = [:], insideKernel = Set<ValueID>()
        for value in graph.values where value.role == .input || value.role == .target { first[value.id] = 0 }
        for (i, op) in graph.ops.enumerated() {
            for output in op.outputs where first[output] == nil { first[output] = kernelOfOp[i] }
            for input in op.inputs { last[input] = max(last[input] ?? 0, kernelOfOp[i]) }
        }
        for output in graph.outputs { last[output] = kernels.count - 1 }
        // Flatten only reinterprets memory: its output is a view of its input, which must
        // then stay alive for as long as the view is read.
        var views: [ValueID: ValueID] = [:]
        for op in graph.ops where op.is(Ops.Flatten.self) || op.is(Ops.FlattenGrad.self) {
            let source = views[op.inputs[0]] ?? op.inputs[0]
            views[op.outputs[0]] = source
            last[source] = max(last[source] ?? 0, last[op.outputs[0]] ?? 0)
        }
        // A value made and used only inside one fused kernel needs no memory.
        for value in graph.values {
            guard let f = first[value.id], kernels[f].isFused, graph.isBatched(value.id) else { continue }
            if (last[value.id] ?? f) == f, !graph.outputs.contains(value.id), value.role != .input, value.role != .target {
                insideKernel.insert(value.id)
            }
        }

        var storage: [ValueID: Storage] = [:]
        var parameterOffset = 0
        for id in graph.parameters {
            storage[id] = .parameters(offset: parameterOffset)
            if let gradient = graph.gradient(of: id) { storage[gradient] = .parameterGradients(offset: parameterOffset) }
            parameterOffset += graph[id].elementCount
        }
        var stateOffset = 0
        let read = Set(graph.ops.flatMap(\.inputs))
        for value in graph.values where value.role == .state && read.contains(value.id) {
            storage[value.id] = .state(offset: stateOffset)
            stateOffset += value.elementCount
        }
        var requestIDs: [ValueID] = []
        var requests: [BufferRequest] = []
        for value in graph.values where storage[value.id] == nil {
            if value.role == .parameter || value.role == .state { continue }  // replaced by a fold
            if value.role == .loss { storage[value.id] = .loss; continue }
            if insideKernel.contains(value.id) { storage[value.id] = .kernelInternal; continue }
            if value.role == .saved, !read.contains(value.id), !graph.outputs.contains(value.id) {
                storage[value.id] = .discarded
                continue
            }
            if views[value.id] != nil { continue }
            guard let f = first[value.id] else { continue }  // never produced (unused)
            requestIDs.append(value.id)
            let rows = graph.isBatched(value.id) ? batch : 1
            // Capped at 2^40 bytes, more than any machine has (MemoryCheck then refuses the
            // plan), so that the planner's sums of offsets cannot overflow.
            let bytes = min(SaturatingCount.product(rows, value.elementCount, MemoryLayout<Float>.size), 1 << 40)
            requests.append(BufferRequest(bytes: bytes, firstKernel: f, lastKernel: last[value.id] ?? f))
        }
        let (offsets, arenaBytes) = MemoryPlanner.plan(requests)
        var buffers: [ValueID: BufferRequest] = [:]
        for (i, id) in requestIDs.enumerated() {
            storage[id] = .arena(offset: offsets[i])
            buffers[id] = requests[i]
        }
        for (view, source) in views { storage[view] = storage[source] }
        return ExecutionPlan(
            graph: graph, batch: batch, kernels: kernels, storage: storage, arenaBuffers: buffers,
            arenaBytes: arenaBytes, unplannedBytes: requests.reduce(0) { $0 + MemoryPlanner.align($1.bytes) },
            parameterCount: parameterOffset, views: views, winograd: winograd)
    }

    /// Pairs of arena values alive at the same time whose bytes overlap; empty for a valid plan.
    public func overlaps() -> [(ValueID, ValueID)] {
        let entries = arenaBuffers.sorted { $0.key < $1.key }
        var result: [(ValueID, ValueID)] = []
        for (i, a) in entries.enumerated() {
            guard case .arena(let offsetA) = storage[a.key] else { continue }
            for b in entries[(i + 1)...] {
                guard case .arena(let offsetB) = storage[b.key], a.value.overlapsInTime(b.value) else { continue }
                if offsetA < offsetB + b.value.bytes && offsetB < offsetA + a.value.bytes { result.append((a.key, b.key)) }
            }
        }
        return result
    }
}

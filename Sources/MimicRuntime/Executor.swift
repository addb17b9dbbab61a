import Dispatch
import MimicBasics
import MimicBLAS
import MimicGraph
import MimicKernels

/// Runs an execution plan: one 64-byte-aligned arena for activations and their gradients,
/// contiguous blocks for parameters, their gradients and the state (batchnorm statistics).
/// Kernels are bound to their buffers once, at construction, into a list of steps; a
/// training step is then that list run in order. Work is split over `threads` by images or
/// chunks of images, by channels, or by slices of a whole-batch GEMM, every OpenBLAS call
/// single-threaded. Sums over the batch and GEMM slices are cut into pieces fixed by the
/// shapes (`WorkPieces`), so results are the same bits on any number of threads.
public final class Executor: KernelContext {
    public let plan: ExecutionPlan
    public let threads: Int
    public let parameters: UnsafeMutableBufferPointer<Float>
    public let gradients: UnsafeMutableBufferPointer<Float>
    public let state: UnsafeMutableBufferPointer<Float>
    let arena: UnsafeMutableRawPointer
    /// Per-thread scratch, sized at construction for the largest kernel.
    var scratch: [UnsafeMutablePointer<Float>] = []
    var scratchFloats = 0
    /// Per-piece partial sums (`WorkPieces.most` of them), sized for the largest kernel's.
    var partials: [UnsafeMutablePointer<Float>] = []
    var partialFloats = 0
    var steps: [(name: String, run: () -> Void)] = []
    /// Buffers a bound kernel keeps between steps (transformed filters), freed with the executor.
    var kernelBuffers: [UnsafeMutablePointer<Float>] = []
    /// Bytes of those buffers.
    public private(set) var kernelBufferBytes = 0
    /// The loss of the last run (training graphs).
    public var loss: Double = 0
    /// Seeds dropout masks (with each op's index); callers set it per step so masks differ
    /// between steps and a resumed run draws the same masks as one that never stopped.
    public var dropoutSeed: UInt64 = 0
    /// nil for a training plan, whose optimizer changes the parameters at every step. For an
    /// inference plan, a count moved by `parametersChanged()`: kernels keep packed copies of
    /// dense weights between runs and pack them again when it moves.
    public private(set) var parameterGeneration: Int?

    public init(plan: ExecutionPlan, threads: Int) {
        self.plan = plan
        self.threads = max(1, threads)
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(plan.arenaBytes, 64), alignment: MemoryPlanner.alignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.arenaBytes, 64))
        parameters = .allocate(capacity: max(plan.parameterCount, 1))
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: max(plan.parameterCount, 1))
        gradients.initialize(repeating: 0)
        state = .allocate(capacity: max(plan.stateCount, 1))
        state.initialize(repeating: 0)
        scratchFloats = ScratchSize.floats(for: plan)
        for _ in 0..<self.threads {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchFloats, 16))
            buffer.initialize(repeating: 0, count: max(scratchFloats, 16))
            scratch.append(buffer)
        }
        parameterGeneration = plan.graph.ops.contains { $0.kind.pass == .backward } ? nil : 0
        partialFloats = ScratchSize.partialFloats(for: plan)
        if partialFloats > 0 {
            for _ in 0..<WorkPieces.most {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: partialFloats)
                buffer.initialize(repeating: 0, count: partialFloats)
                partials.append(buffer)
            }
        }
        steps = plan.kernels.map { kernel in (Self.describe(kernel, plan), kernel.bind(self)) }
        // Every GEMM is single-threaded; the executor does the splitting (see `gemm`).
        BLAS.threads = 1
    }

    deinit {
        arena.deallocate()
        parameters.deallocate()
        gradients.deallocate()
        state.deallocate()
        for buffer in scratch + partials { buffer.deallocate() }
        for buffer in kernelBuffers { buffer.deallocate() }
    }

    /// The bytes an executor of `plan` on `threads` threads allocates, but for the few buffers
    /// kernels keep (transformed filters): the arena, parameters and their gradients, the
    /// state, each thread's scratch and the pieces' partial sums. Computed before anything is
    /// allocated, so that a plan larger than the machine is refused (`MemoryCheck`).
    public static func requiredBytes(_ plan: ExecutionPlan, threads: Int) -> [(what: String, bytes: Int)] {
        let state = plan.stateCount
        let float = MemoryLayout<Float>.size
        return [
            ("activations (batch \(plan.batch))", plan.arenaBytes),
            ("parameters and gradients", SaturatingCount.product(2, plan.parameterCount, float)),
            ("state", SaturatingCount.product(state, float)),
            ("scratch", SaturatingCount.product(SaturatingCount.sum(SaturatingCount.product(max(1, threads), ScratchSize.floats(for: plan)),
                                                                    SaturatingCount.product(WorkPieces.most, ScratchSize.partialFloats(for: plan))),
                                                float)),
        ]
    }

    /// Copies trained values into the parameters and the state (a checkpoint, or a trainer's
    /// current weights into its evaluator) and says so to the kernels (`parametersChanged`).
    public func load(parameters values: some Collection<Float>, state stateValues: some Collection<Float>) {
        precondition(values.count <= parameters.count && stateValues.count <= state.count,
                     "internal error: more values than the plan has room for")
        _ = parameters.update(from: values)
        _ = state.update(from: stateValues)
        parametersChanged()
    }

    /// Call after writing `parameters` directly between runs of an inference plan: kernels
    /// that keep a packed copy of weights pack them again on the next run. (A plan's first run
    /// always packs, so writing before it needs no call; debug builds check every run.)
    public func parametersChanged() {
        parameterGeneration = parameterGeneration.map { $0 + 1 }
    }

    /// Zeroed memory for a kernel being bound, kept until the executor goes.
    public func kernelBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        buffer.initialize(repeating: 0, count: max(count, 1))
        kernelBuffers.append(buffer)
        kernelBufferBytes += max(count, 1) * MemoryLayout<Float>.size
        return buffer
    }

    /// A kernel's name, with the tiles of a convolution that runs over Winograd's (profiles
    /// then say which algorithm each time belongs to).
    public static func describe(_ kernel: Kernel, _ plan: ExecutionPlan) -> String {
        let tiling = kernel.ops.lazy.compactMap { ConvGeometry.tiling(plan.graph.ops[$0], in: plan.graph, winograd: plan.winograd) }.first
        guard let tiling else { return kernel.name }
        return "\(kernel.name) \(ConvolutionAlgorithm.describe(tiling))"
    }

    /// FLOPs a kernel executes (see `ConvGeometry.executedFlops`).
    public static func executedFlops(_ kernel: Kernel, _ plan: ExecutionPlan) -> Int {
        kernel.ops.reduce(0) {
            $0 + ConvGeometry.executedFlops(plan.graph.ops[$1], in: plan.graph, batch: plan.batch, winograd: plan.winograd)
        }
    }

    /// Each kernel's name as profiles print it (with a convolution's algorithm).
    public var kernelNames: [String] { steps.map(\.name) }

    public var graph: Graph { plan.graph }
    public var batch: Int { plan.batch }
    public var winograd: Bool { plan.winograd }
    public func scratch(_ t: Int) -> UnsafeMutablePointer<Float> { scratch[t] }
    public func partial(_ piece: Int) -> UnsafeMutablePointer<Float> { partials[piece] }

    public func memory(_ id: ValueID) -> UnsafeMutablePointer<Float> {
        guard let p = pointer(id) else { preconditionFailure("internal error: \(plan.graph[id].name) has no memory") }
        return p
    }

    /// Bytes of per-thread scratch and of the pieces' partial sums.
    public var scratchBytes: Int { (scratch.count * max(scratchFloats, 16) + partials.count * partialFloats) * 4 }

    /// The memory of a value, or nil for values inside a fused kernel.
    public func pointer(_ id: ValueID) -> UnsafeMutablePointer<Float>? {
        switch plan.storage[id] {
        case .arena(let offset)?: (arena + offset).assumingMemoryBound(to: Float.self)
        case .parameters(let offset)?: parameters.baseAddress! + offset
        case .parameterGradients(let offset)?: gradients.baseAddress! + offset
        case .state(let offset)?: state.baseAddress! + offset
        case .loss?, .kernelInternal?, .discarded?, nil: nil
        }
    }

    /// Runs every kernel once. For a training graph this is forward, loss and backward; the
    /// optimizer step is separate (see `Optimizer`).
    public func run() {
        for step in steps { step.run() }
    }

    /// Runs one kernel; `run()` runs every kernel in order. For tests that inspect values
    /// before the memory planner reuses their buffers.
    public func runKernel(_ index: Int) { steps[index].run() }

    /// Runs every kernel once, timing each, for `mimicc bench --profile`.
    public func profile(_ clock: () -> Double) -> [(name: String, seconds: Double)] {
        steps.map { step in
            let start = clock()
            step.run()
            return (step.name, clock() - start)
        }
    }

    /// Splits `count` items over the threads in fixed contiguous ranges (so results do not
    /// depend on scheduling) and runs `body(range, thread)` for each.
    public func parallel(_ count: Int, _ body: (Range<Int>, Int) -> Void) {
        inFixedRanges(count, workers: min(threads, count), body)
    }

    /// A whole-batch GEMM, C [m,n] = op(A) op(B), cut into `WorkPieces.gemmSlices` slices
    /// (fixed by the shape, so the result does not depend on the thread count), each a
    /// single-threaded OpenBLAS call, the slices split over the threads. OpenBLAS's own thread
    /// pool is never used: its workers spin after a call and would steal the cores from the
    /// next image-parallel kernel. Each slice reads and packs the whole of the operand the
    /// slices share, so C is cut across its longer side: by columns when n > m (a dense layer's
    /// weights, [k, n], are then read half by each thread instead of whole by both, which
    /// matters once they outgrow the caches), else by rows.
    public func gemm(
        _ ta: BLAS.Transpose, _ tb: BLAS.Transpose, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let byColumns = n > m
        let side = byColumns ? n : m
        let slices = WorkPieces.gemmSlices(m: m, n: n, k: k)
        parallel(slices) { range, _ in
            for slice in range {
                let start = side * slice / slices, end = side * (slice + 1) / slices
                guard end > start else { continue }
                if byColumns {
                    let columnsOfB = tb == .none ? b + start : b + start * ldb
                    BLAS.sgemm(ta, tb, m: m, n: end - start, k: k, a: a, lda: lda, b: columnsOfB, ldb: ldb, beta: beta,
                               c: c + start, ldc: ldc)
                } else {
                    let rowsOfA = ta == .none ? a + start * lda : a + start
                    BLAS.sgemm(ta, tb, m: end - start, n: n, k: k, a: rowsOfA, lda: lda, b: b, ldb: ldb, beta: beta,
                               c: c + start * ldc, ldc: ldc)
                }
            }
        }
    }
}

/// Runs `body(range, worker)` for `workers` disjoint contiguous ranges covering 0..<count,
/// concurrently when there is more than one. The ranges depend only on the counts, so a
/// fixed thread count gives bit-identical results.
func inFixedRanges(_ count: Int, workers: Int, _ body: (Range<Int>, Int) -> Void) {
    if workers <= 1 {
        body(0..<count, 0)
        return
    }
    // Each worker touches only its own range (and its own scratch), which the checker cannot
    // see through raw pointers.
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            work.value((count * t / workers)..<(count * (t + 1) / workers), t)
        }
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The per-thread scratch the kernels need, from the plan's shapes: im2col columns, one
/// image's convolution output and a partial weight gradient for the convolutions; a whole
/// batch of one value for kernels that keep an intermediate inside (fused logits).
enum ScratchSize {
    static func floats(for plan: ExecutionPlan) -> Int {
        let g = plan.graph
        var most = 0
        for op in g.ops {
            most = max(most, ConvGeometry.scratchFloats(op, in: g, winograd: plan.winograd))
            // Batch-level kernels keep flat intermediates (dense outputs, logits) in scratch.
            for value in op.outputs where g[value].shape.count == 1 && g.isBatched(value) {
                most = max(most, SaturatingCount.product(plan.batch, g[value].elementCount))
            }
        }
        return SaturatingCount.sum(most, 64)
    }

    /// Floats of each piece's partial sums: a convolution's weight gradient, or a fused
    /// gradient kernel's bias gradient.
    static func partialFloats(for plan: ExecutionPlan) -> Int {
        let g = plan.graph
        return g.ops.reduce(0) { most, op in
            max(most, ConvGeometry.partialFloats(op, in: g, winograd: plan.winograd),
                op.is(Ops.BiasGrad.self) ? g[op.outputs[0]].elementCount : 0)
        }
    }
}

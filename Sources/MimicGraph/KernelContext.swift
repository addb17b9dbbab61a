import MimicKernels
import MimicVocabulary
import MimicBLAS

/// What a bound kernel may ask of the executor running it: its plan's shapes and batch, the
/// memory of each value, per-thread scratch, memory kept between steps, and the two ways work
/// is split over the threads. The executor (MimicRuntime) is the one implementation; the op
/// kinds bind against this so that each kind's kernel lives beside its definition.
public protocol KernelContext: AnyObject {
    var graph: Graph { get }
    var batch: Int { get }
    var threads: Int { get }
    /// Whether convolutions that qualify run over Winograd tiles.
    var winograd: Bool { get }
    /// The memory of a value that has some (not one inside a fused kernel).
    func memory(_ id: ValueID) -> UnsafeMutablePointer<Float>
    /// The memory of a value, or nil for values inside a fused kernel.
    func pointer(_ id: ValueID) -> UnsafeMutablePointer<Float>?
    /// Thread `t`'s scratch, sized at construction for the largest kernel (`ScratchSize`).
    func scratch(_ t: Int) -> UnsafeMutablePointer<Float>
    /// Zeroed memory for a kernel being bound, kept until the executor goes.
    func kernelBuffer(_ count: Int) -> UnsafeMutablePointer<Float>
    /// Splits `count` items over the threads in fixed contiguous ranges (results do not
    /// depend on scheduling) and runs `body(range, thread)` for each.
    func parallel(_ count: Int, _ body: (Range<Int>, Int) -> Void)
    /// A whole-batch GEMM, C [m,n] = op(A) op(B), split over the threads.
    func gemm(_ ta: BLAS.Transpose, _ tb: BLAS.Transpose, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
              b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
    /// Seeds dropout masks, set by the caller before each step.
    var dropoutSeed: UInt64 { get }
    /// The batch's mean loss, written by the loss kernel.
    var loss: Double { get set }
}

extension KernelContext {
    public func shape(_ id: ValueID) -> [Int] { graph[id].shape }
    public func elements(_ id: ValueID) -> Int { graph[id].elementCount }

    public func gemm(_ ta: BLAS.Transpose, _ tb: BLAS.Transpose, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(ta, tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
    }

    /// dst = the sum of the first `count` floats of each worker's scratch, in worker order.
    public func reducePartials(into destination: UnsafeMutablePointer<Float>, count: Int, workers: Int, offset: Int = 0) {
        destination.update(from: scratch(0) + offset, count: count)
        for t in 1..<max(1, workers) {
            let partial = scratch(t) + offset
            for i in 0..<count { destination[i] += partial[i] }
        }
    }

    /// The teacher logits and the labels among a loss op's inputs.
    func targets(_ kind: LossKind, _ op: Op) -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) {
        (kind.teacherInput.map { memory(op.inputs[$0]) }, kind.labelInput.map { memory(op.inputs[$0]) })
    }
}

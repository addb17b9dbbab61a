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
    /// nil where the parameters change at every step (training plans); otherwise a count that
    /// moves whenever they are replaced, so kernels may keep derived copies of weights (packed
    /// dense weights) between runs and refresh them when it moves.
    var parameterGeneration: Int? { get }
    /// The memory of a value that has some (not one inside a fused kernel).
    func memory(_ id: ValueID) -> UnsafeMutablePointer<Float>
    /// The memory of a value, or nil for values inside a fused kernel.
    func pointer(_ id: ValueID) -> UnsafeMutablePointer<Float>?
    /// Thread `t`'s scratch, sized at construction for the largest kernel (`ScratchSize`).
    func scratch(_ t: Int) -> UnsafeMutablePointer<Float>
    /// Zeroed memory for a kernel being bound, kept until the executor goes.
    func kernelBuffer(_ count: Int) -> UnsafeMutablePointer<Float>
    /// Piece `p`'s partial sums (see `inPieces`), sized for the largest kernel's.
    func partial(_ piece: Int) -> UnsafeMutablePointer<Float>
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

    /// Runs `body(items, piece, thread)` over `count` items cut into `WorkPieces.count(count)`
    /// contiguous pieces, which depend only on `count`; the pieces are split over the threads
    /// in fixed ranges. A kernel summing over the items keeps one partial per piece
    /// (`partial(piece)`) and adds them with `sumPieces`, always in piece order, so the sum
    /// is the same bits on any number of threads.
    public func inPieces(_ count: Int, _ body: (Range<Int>, Int, Int) -> Void) {
        let pieces = WorkPieces.count(count)
        parallel(pieces) { range, t in
            for piece in range { body((count * piece / pieces)..<(count * (piece + 1) / pieces), piece, t) }
        }
    }

    /// destination = the first `count` floats of the partials of the pieces of `items`, added
    /// in piece order. Element-wise, so split over the threads by blocks of elements, each
    /// block summed while it is in cache.
    public func sumPieces(of items: Int, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let pieces = WorkPieces.count(items), block = 2048
        parallel((count + block - 1) / block) { range, _ in
            for b in range {
                let start = b * block, n = min(block, count - start)
                let out = destination + start
                out.update(from: self.partial(0) + start, count: n)
                for piece in 1..<pieces {
                    let partial = self.partial(piece) + start
                    for i in 0..<n { out[i] += partial[i] }
                }
            }
        }
    }

    /// The teacher logits and the labels among a loss op's inputs.
    func targets(_ kind: LossKind, _ op: Op) -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) {
        (kind.teacherInput.map { memory(op.inputs[$0]) }, kind.labelInput.map { memory(op.inputs[$0]) })
    }
}

/// MimicBLAS is the bottom of the compute side of the pipeline: the only file that talks
/// to OpenBLAS. Kernels above it (issue: the execution engine) call these wrappers, so the
/// C API and its row-major conventions stay in one place.

import COpenBLAS

public enum BLAS {
    public enum Transpose: Sendable {
        case none, transposed

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// C = alpha * op(A) * op(B) + beta * C, all row-major.
    /// op(A) is [m, k], op(B) is [k, n], C is [m, n]; `lda`, `ldb`, `ldc` are row strides.
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "internal error: negative GEMM dimension")
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
            Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's build description (its version, target core and thread model), recorded
    /// in run provenance.
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}

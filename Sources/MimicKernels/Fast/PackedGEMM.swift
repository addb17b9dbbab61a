import CPackedGEMM

/// Dense products against weights packed once (CPackedGEMM): y [m, n] = x [m, k] Wᵀ (+ bias)
/// (then ReLU) for a dense layer's weights W [n, k]. An inference plan runs every batch
/// against the same weights; OpenBLAS would pack them (and the inputs) again on every call,
/// which at a batch of 128 costs as much as a fifth of the product. The work is cut into
/// items (a panel of output columns by a tile of rows); each value is summed in the same
/// order whatever the items' split, so any thread count gives the same bits.
public enum PackedGEMM {
    /// Whether this CPU has a packed kernel (AVX-512, or AVX2 with FMA); without one, callers
    /// use BLAS.
    public static var available: Bool { mimic_packed_panel_width() > 0 }

    /// Floats of the packed copy of weights [n, k].
    public static func floats(n: Int, k: Int) -> Int { mimic_packed_floats(n, k) }

    /// Panels of output columns (each packed on its own, so packing splits over threads).
    public static func panels(n: Int) -> Int { mimic_packed_panels(n) }

    /// Work items of a product with m rows and n columns.
    public static func items(m: Int, n: Int) -> Int { mimic_packed_items(m, n) }

    /// Packs panels `panels` of w [n, k] (row-major) into `packed`.
    public static func pack(_ w: UnsafePointer<Float>, n: Int, k: Int, into packed: UnsafeMutablePointer<Float>,
                            panels: Range<Int>) {
        mimic_pack_weights(w, n, k, packed, panels.lowerBound, panels.upperBound)
    }

    /// Items `items` of c [m, n] (row stride ldc) = a [m, k] (row stride lda) x Wᵀ from the packed
    /// weights, plus `bias` [n], then max(0, .) when `relu`.
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, relu: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                                items: Range<Int>) {
        mimic_packed_gemm(m, n, k, a, lda, packed, bias, relu ? 1 : 0, c, ldc, items.lowerBound, items.upperBound)
    }

    /// Which kernel runs, for tests that check each one the CPU has.
    public enum Kernel: Int32, CaseIterable, Sendable {
        /// The CPU's best (AVX-512 where it has it).
        case best = 0
        /// AVX2 with FMA even where AVX-512 is available.
        case avx2 = 2
        /// None: `available` is false and callers use BLAS.
        case none = 3
    }

    /// Tests: runs `body` with `kernel` chosen, then the CPU's best again. Not for use while
    /// other threads multiply: the choice is process-wide.
    public static func with<T>(_ kernel: Kernel, _ body: () throws -> T) rethrows -> T {
        mimic_packed_force(kernel.rawValue)
        defer { mimic_packed_force(0) }
        return try body()
    }
}

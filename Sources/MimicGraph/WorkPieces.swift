/// How work whose results are summed, or handed to OpenBLAS, is cut: into pieces that depend
/// only on the work's size, never on the thread count. OpenBLAS rounds a product differently
/// when it is cut differently, and a sum of per-thread partials changes with the threads; with
/// pieces fixed by size, a spec and seed train to the same bits on 1, 2, 3 or 6 threads, so the
/// shards of a study run on machines with different core counts agree.
public enum WorkPieces {
    /// The most pieces a sum is cut into: 6 shares evenly over 1, 2, 3 and 6 threads. Each
    /// piece keeps its own partial, so more pieces cost memory (6 weight gradients of the
    /// largest convolution) and a few more additions, not GEMM time.
    public static let most = 6

    /// Pieces for a sum over `count` items (chunks of images, or images).
    public static func count(_ count: Int) -> Int { max(1, min(most, count)) }

    /// Slices of a whole-batch GEMM C [m, n] (cut across its longer side). Each slice packs
    /// the whole of the operand the slices share, so slices cost time when they are narrow:
    /// small products are not cut, most are cut in 2 (today's two cores, at no cost), and
    /// only products wide enough for six slices of 256 are cut in 6. With more threads than
    /// slices, the extra threads wait during that product; the results never change.
    public static func gemmSlices(m: Int, n: Int, k: Int) -> Int {
        let side = max(m, n)
        if m * n * k < 1 << 18 || side < 16 { return 1 }
        return side >= most * 256 ? most : 2
    }
}

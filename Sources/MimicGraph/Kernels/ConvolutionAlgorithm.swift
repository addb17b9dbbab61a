import MimicKernels

/// Which algorithm a convolution runs, decided from its shapes when the plan is bound.
///
/// Winograd tiles (`WinogradTiling`) for stride-1 3x3 and 5x5 convolutions with at least 16
/// channels in and out: F(4,3) and F(2,5), both 6x6 tiles, which cut the multiplications
/// 4x and 2.8x. Their GEMMs have K = C, so narrow layers (the 3-channel first layer, whose
/// K would be 3) stay with im2col + GEMM, whose K is 25 C; so does anything strided or with
/// other kernel sizes. Maps smaller than a tile stay too: most of the tile would be padding.
public enum ConvolutionAlgorithm {
    static let smallestWinogradWidth = 16

    public static func winograd(
        channels c: Int, filters f: Int, height h: Int, width w: Int, kernel k: Int, stride: Int, padding p: Int
    ) -> WinogradTiling? {
        guard stride == 1, k == 3 || k == 5, p <= k - 1,
              c >= smallestWinogradWidth, f >= smallestWinogradWidth else { return nil }
        let tiling = WinogradTiling(WinogradTransform(outputs: 7 - k, kernel: k), channels: c, filters: f,
                                    height: h, width: w, padding: p)
        guard tiling.outputHeight >= tiling.transform.m, tiling.outputWidth >= tiling.transform.m else { return nil }
        return tiling
    }

    /// "winograd F(2,5)" or "im2col", for plans and profiles.
    public static func describe(_ tiling: WinogradTiling?) -> String {
        tiling.map { "winograd F(\($0.transform.m),\($0.transform.r))" } ?? "im2col"
    }
}

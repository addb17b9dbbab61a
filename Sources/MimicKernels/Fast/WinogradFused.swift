import CPackedGEMM
import CWinogradTiles

/// The fused path of a Winograd convolution: the products of a chunk of images computed and
/// transformed back a block of filters at a time while they are in cache, by the packed
/// GEMM against filters packed once per step.
///
/// The unfused path (`convolve`) hands each of the alpha² products to OpenBLAS, which packs
/// both operands on every call, clears the output before it adds (beta = 0), and leaves a
/// chunk's [alpha²][F][n] products (9 MB for 256 filters) to travel through memory before the
/// output pass reads them. Here U_t [F][C] is packed once per step (`packFilters`), V_t is
/// read where the input transform wrote it (its [n][C] layout is the packed GEMM's row
/// operand), and for each block of 64 filters the alpha² products [n][64] are made and turned
/// into outputs at once. Chunks are smaller, so that V stays in the level-2 cache while every
/// block reads it.
///
/// It runs where the packed GEMM has 32-wide panels and the output pass has vector code for
/// the tile size (AVX-512, F(4,3)), on convolutions of at most 64 x 256 filters x channels;
/// elsewhere `convolve` is the faster one.
extension WinogradTiling {
    /// Filters whose products are made and transformed back together.
    static let filterBlock = 64

    /// The most filters x channels of a fused convolution. Each chunk reads every packed U_t
    /// (alpha² F C floats) once, and the chunk's V must stay small: with 256 x 256 (9.4 MB of
    /// U for 28 tiles a chunk) the fast teacher's four 256 x 256 kernels ran 16-27% slower
    /// fused, while its six up to 64 x 256 ran 4-15% faster (2026-12-01, AVX-512 Xeon).
    static let largestFusedFilters = 64 * 256

    /// Whether this CPU runs the fused path for this tiling.
    public var fusedAvailable: Bool {
        channelsAdjacent && filters * channels <= Self.largestFusedFilters && mimic_packed_panel_width() == 32
            && mimic_winograd_fused_vectorized(transform.m) != 0
    }

    /// Images per chunk on the fused path: V [alpha²][n][C] of about 1 MB (2 or 4 MB made the
    /// fast teacher's step 3-8% slower).
    public var fusedChunk: Int { max(1, min(32, (1 << 18) / (points * channels * tiles))) }

    /// Floats of the filters packed for the fused path (alpha² packed copies of U_t).
    public var packedFilterFloats: Int { points * PackedGEMM.floats(n: filters, k: channels) }

    /// Packs each U_t of u [alpha²][F][C] for the packed GEMM.
    public func packFilters(_ u: UnsafePointer<Float>, into packed: UnsafeMutablePointer<Float>) {
        let perPoint = PackedGEMM.floats(n: filters, k: channels), panels = PackedGEMM.panels(n: filters)
        for t in 0..<points {
            PackedGEMM.pack(u + t * filters * channels, n: filters, k: channels, into: packed + t * perPoint, panels: 0..<panels)
        }
    }

    /// `convolve` on the fused path, with the filters packed by `packFilters`; `work` is
    /// `workFloats(images:)` floats, as for `convolve`.
    public func convolveFused(
        _ x: UnsafePointer<Float>, images count: Int, packedFilters packed: UnsafePointer<Float>,
        work: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, layout: MapLayout = .rows
    ) {
        precondition(fusedAvailable, "internal error: the fused Winograd path without its kernels")
        let block = min(filters, Self.filterBlock), width = Int(mimic_packed_panel_width())
        let chunk = transformedInput(x, images: count, work: work, blockRows: block)
        let perPoint = PackedGEMM.floats(n: filters, k: channels), rowTiles = PackedGEMM.items(m: chunk.n, n: 1)
        let strides = layout.strides(maps: filters, images: count, positions: outputPositions)
        for first in stride(from: 0, to: filters, by: block) {
            let blockFilters = min(block, filters - first)
            let panels = (first / width)..<((first + blockFilters + width - 1) / width)
            for t in 0..<points {
                // Columns first..<first+blockFilters of the [n][F] product land at [n][blockFilters].
                PackedGEMM.multiply(m: chunk.n, n: filters, k: channels, a: chunk.v + t * chunk.vStride, lda: channels,
                                    packed: packed + t * perPoint, bias: nil, relu: false,
                                    c: chunk.block + t * chunk.blockStride - first, ldc: blockFilters,
                                    items: (panels.lowerBound * rowTiles)..<(panels.upperBound * rowTiles))
            }
            mimic_winograd_output_by_filters(chunk.block, chunk.blockStride, blockFilters, first, chunk.n, strides.map,
                                             strides.image, transform.m, tilesY, tilesX, outputHeight, outputWidth,
                                             transform.at, out)
        }
    }
}

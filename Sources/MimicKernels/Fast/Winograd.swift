import CWinogradTiles
import MimicBLAS

/// A stride-1 convolution computed over Winograd tiles (see `WinogradTransform`): the output
/// is cut into m x m tiles, each read from an alpha x alpha input patch. Every patch and every
/// filter is transformed once, and the convolution becomes alpha² independent GEMMs,
///     M_t [F, tiles] = U_t [F, C] x V_t [C, tiles]     (t = one of the alpha² tile points),
/// after which each tile's m x m outputs come back through Aᵀ . A. With F(2,5) a 5x5
/// convolution costs 36 multiplications per 4 outputs instead of 100: 2.8 times fewer FLOPs,
/// spent in GEMMs with K = C instead of K = 25 C.
///
/// The weight gradient reuses the input's transform: for one tile,
///     dL/dg = Gᵀ [(A dY Aᵀ) ⊙ (Bᵀ d B)] G,
/// so it is alpha² GEMMs, D_t [F, tiles] x V_tᵀ, summed over every tile of the batch before
/// Gᵀ . G is applied once. The input gradient is the forward of the flipped filters.
///
/// Layouts: V [alpha²][n][C] for F(4,3) (channels adjacent: the input transform's vector lanes
/// are channels; the GEMMs read V_t transposed, and the fused path reads its rows), V
/// [alpha²][C][n] for F(2,5) (see `channelsAdjacent`), U [alpha²][F][C], M and D
/// [alpha²][F][n], with n = images x tiles, column q = image * tiles + tileRow * tilesX + tileColumn. Outputs and output gradients are
/// [F][count * Ho * Wo] rows, image b at column b * Ho * Wo: the layout of an im2col GEMM's
/// output, so the same epilogues read either.
public struct WinogradTiling: Sendable {
    public let transform: WinogradTransform
    public let channels, filters: Int
    public let height, width, padding: Int
    public let outputHeight, outputWidth: Int
    public let tilesY, tilesX: Int

    public init(_ transform: WinogradTransform, channels: Int, filters: Int, height: Int, width: Int, padding: Int) {
        precondition(transform.alpha == 6, "internal error: Winograd tiles are 6x6 (F(2,5), F(4,3)), not \(transform.alpha)")
        self.transform = transform
        (self.channels, self.filters, self.height, self.width, self.padding) = (channels, filters, height, width, padding)
        outputHeight = height + 2 * padding - transform.r + 1
        outputWidth = width + 2 * padding - transform.r + 1
        tilesY = (outputHeight + transform.m - 1) / transform.m
        tilesX = (outputWidth + transform.m - 1) / transform.m
    }

    public var tiles: Int { tilesY * tilesX }
    public var points: Int { transform.alpha * transform.alpha }
    var outputPositions: Int { outputHeight * outputWidth }

    /// Floats of work space `convolve` and `accumulateWeightGradient` need for `count` images.
    public func workFloats(images count: Int) -> Int {
        let n = count * tiles
        return points * (pointStride(channels, n) + pointStride(filters, n)) + inputTemporaryFloats
    }

    /// FLOPs of the tile GEMMs for `images` images, a multiply-add counted as 2 (the forward,
    /// the input gradient as its forward, and the weight gradient each execute this many).
    public func gemmFlops(images: Int) -> Int { 2 * points * filters * channels * tiles * images }

    /// Floats of the transformed filters, U, and of the transformed weight gradient.
    public var transformedWeightFloats: Int { points * filters * channels }

    // MARK: The convolution and its weight gradient, a chunk of images at a time

    /// out = the convolution of `count` NCHW images starting at `x` with the filters whose
    /// transform is `u` (from `transformWeights`), as rows [F][count*Ho*Wo] or as NCHW maps.
    public func convolve(
        _ x: UnsafePointer<Float>, images count: Int, transformedWeights u: UnsafePointer<Float>,
        work: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, layout: MapLayout = .rows
    ) {
        let chunk = transformedInput(x, images: count, work: work)
        for t in 0..<points {
            BLAS.sgemm(.none, channelsAdjacent ? .transposed : .none, m: filters, n: chunk.n, k: channels,
                       a: u + t * filters * channels, lda: channels, b: chunk.v + t * chunk.vStride,
                       ldb: channelsAdjacent ? channels : chunk.n, c: chunk.block + t * chunk.blockStride, ldc: chunk.n)
        }
        transformOutput(chunk.block, images: count, into: out, layout: layout)
    }

    /// partial [alpha²][F][C] += (or, `overwriting`, =) the transformed weight gradient of `count` images starting at
    /// `x`, whose output gradients are the rows `dy` [F][count*Ho*Wo]. `finishWeightGradient`
    /// turns the sum over the batch into dW. (Rows, not the batch's NCHW maps where they are:
    /// reading a chunk's maps an image apart made the fast teacher's weight gradients 9% slower
    /// than gathering them into rows first.)
    public func accumulateWeightGradient(
        _ x: UnsafePointer<Float>, images count: Int, outputGradient dy: UnsafePointer<Float>,
        work: UnsafeMutablePointer<Float>, into partial: UnsafeMutablePointer<Float>, overwriting: Bool = false
    ) {
        let chunk = transformedInput(x, images: count, work: work)
        transformOutputGradient(dy, images: count, into: chunk.block)
        for t in 0..<points {
            BLAS.sgemm(.none, channelsAdjacent ? .none : .transposed, m: filters, n: channels, k: chunk.n,
                       a: chunk.block + t * chunk.blockStride, lda: chunk.n, b: chunk.v + t * chunk.vStride,
                       ldb: channelsAdjacent ? channels : chunk.n, beta: overwriting ? 0 : 1,
                       c: partial + t * filters * channels, ldc: channels)
        }
    }

    /// Lays out a chunk's work space, V (see `channelsAdjacent`) then a [alpha²][blockRows][n] block (the
    /// products, or the output gradient's transform; the fused path's block is [alpha²][n][64])
    /// then the transforms' temporary memory, and fills V with the transforms of the chunk's images.
    func transformedInput(_ x: UnsafePointer<Float>, images count: Int, work: UnsafeMutablePointer<Float>,
                          blockRows: Int? = nil) -> (
        n: Int, v: UnsafeMutablePointer<Float>, vStride: Int, block: UnsafeMutablePointer<Float>, blockStride: Int
    ) {
        let n = count * tiles
        let (vStride, blockStride) = (pointStride(channels, n), pointStride(blockRows ?? filters, n))
        let block = work + points * vStride, temporary = block + points * blockStride
        for b in 0..<count {
            transformInput(x + b * channels * height * width, column: b * tiles, columns: n, pointStride: vStride,
                           into: work, temporary: temporary)
        }
        return (n, work, vStride, block, blockStride)
    }

    // MARK: Filters

    /// u [alpha²][F][C] = G g Gᵀ for each filter g of w [F][C][r][r] (in C).
    public func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        mimic_winograd_filters(w, filters, channels, transform.r, transform.g, u)
    }

    /// dw [F][C][r][r] = Gᵀ E G for each filter's summed transform E in e [alpha²][F][C] (in C).
    public func finishWeightGradient(_ e: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        mimic_winograd_filter_gradient(e, filters, channels, transform.r, transform.g, dw)
    }

    // MARK: Tiles

    /// Whether V is [alpha²][n][C] (F(4,3)) rather than [alpha²][C][n] (F(2,5)). Each layout has
    /// its own input transform (winograd_tiles.h). Lanes over channels suit F(4,3), whose tiles
    /// are 4 floats apart, and the fused path needs them (the 3x3 teacher-5.3M trained 6% faster
    /// with them). F(2,5)'s tiles are 2 apart, its lanes over tiles load rows of eight tiles
    /// with two loads, and OpenBLAS multiplies 64 x 256 x 64 about 10% faster with V [C][n]
    /// than transposed (104 against 94 GFLOP/s alone, one thread). With channels adjacent and
    /// 256-column chunks the paper's 5x5 CNNs trained 13-15% slower (with 128-column chunks,
    /// `ConvGeometry`, the layout alone was not measured; 2026-12-01).
    public var channelsAdjacent: Bool { transform.m == 4 }

    /// Floats of the input transform's temporary memory.
    var inputTemporaryFloats: Int {
        channelsAdjacent ? mimic_winograd_input_channels_adjacent_temporary(channels, transform.m, tilesY, tilesX)
            : mimic_winograd_input_tiles_adjacent_temporary(transform.m, tilesY, tilesX)
    }

    /// V's values (Bᵀ d B)[t] for every input patch d of one image, its tiles starting at
    /// column `column` of the chunk's n (in C, see winograd_tiles.h).
    func transformInput(
        _ image: UnsafePointer<Float>, column: Int, columns n: Int, pointStride: Int, into v: UnsafeMutablePointer<Float>,
        temporary: UnsafeMutablePointer<Float>
    ) {
        if channelsAdjacent {
            mimic_winograd_input_channels_adjacent(image, channels, height, width, padding, transform.m, tilesY, tilesX,
                                                   v, pointStride, column, temporary)
        } else {
            mimic_winograd_input_tiles_adjacent(image, channels, height, width, padding, transform.m, tilesY, tilesX,
                                                v, pointStride, n, column, temporary)
        }
    }

    /// Floats of one transform point's block in V, M or D, padded so that the 36 blocks do not
    /// start at addresses 64 KiB apart: 36 stores a SIMD lane group makes would otherwise all
    /// fall into one L1 set and evict one another.
    func pointStride(_ rows: Int, _ n: Int) -> Int { rows * n + 16 }

    /// out from the products [alpha²][F][n]: Aᵀ M A per tile, written to the tile's place,
    /// clipped at the bottom and right edges (in C, see winograd_tiles.h).
    func transformOutput(_ product: UnsafePointer<Float>, images count: Int, into out: UnsafeMutablePointer<Float>,
                         layout: MapLayout) {
        let n = count * tiles, strides = layout.strides(maps: filters, images: count, positions: outputPositions)
        mimic_winograd_output(product, pointStride(filters, n), filters, n, strides.map, strides.image, transform.m, tilesY,
                              tilesX, outputHeight, outputWidth, transform.at, out)
    }

    /// d [alpha²][F][n] = A dY Aᵀ for every m x m tile of the output gradient rows
    /// dy [F][count*Ho*Wo], tiles past the bottom and right edges read as zero.
    func transformOutputGradient(_ dy: UnsafePointer<Float>, images count: Int, into d: UnsafeMutablePointer<Float>) {
        let n = count * tiles, strides = MapLayout.rows.strides(maps: filters, images: count, positions: outputPositions)
        mimic_winograd_output_gradient(dy, filters, n, strides.map, strides.image, transform.m, tilesY, tilesX, outputHeight,
                                       outputWidth, transform.at, d, pointStride(filters, n))
    }
}

/// Where a chunk's output maps go: rows [F][images*Ho*Wo], the layout of an im2col GEMM's
/// output, which the forward's epilogues read; or the NCHW maps of the batch's value, which
/// the input gradient writes where they are (no copy out of the rows).
public enum MapLayout: Sendable {
    case rows
    case nchw

    /// Where map f of image b starts: f * map + b * image.
    func strides(maps: Int, images: Int, positions: Int) -> (map: Int, image: Int) {
        switch self {
        case .rows: (images * positions, positions)
        case .nchw: (positions, maps * positions)
        }
    }
}

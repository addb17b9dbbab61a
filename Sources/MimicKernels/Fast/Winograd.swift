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
/// Layouts: V [alpha²][C][n], U [alpha²][F][C], M and D [alpha²][F][n], with n = images x tiles,
/// column q = image * tiles + tileRow * tilesX + tileColumn. Outputs and output gradients are
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
        let n = count * tiles, a = transform.alpha, m = transform.m
        let temporary = max(mimic_winograd_input_temporary(m, tilesY, tilesX), (a * m + m * m) * n)
        return points * (pointStride(channels, n) + pointStride(filters, n)) + temporary
    }

    /// Floats of the transformed filters, U, and of the transformed weight gradient.
    public var transformedWeightFloats: Int { points * filters * channels }

    // MARK: The convolution and its weight gradient, a chunk of images at a time

    /// out [F][count*Ho*Wo] = the convolution of `count` NCHW images starting at `x` with the
    /// filters whose transform is `u` (from `transformWeights`).
    public func convolve(
        _ x: UnsafePointer<Float>, images count: Int, transformedWeights u: UnsafePointer<Float>,
        work: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        let n = count * tiles
        let (vs, ps) = (pointStride(channels, n), pointStride(filters, n))
        let v = work, product = work + points * vs, temporary = product + points * ps
        for b in 0..<count {
            transformInput(x + b * channels * height * width, column: b * tiles, columns: n, into: v, temporary: temporary)
        }
        for t in 0..<points {
            BLAS.sgemm(.none, .none, m: filters, n: n, k: channels, a: u + t * filters * channels, lda: channels,
                       b: v + t * vs, ldb: n, c: product + t * ps, ldc: n)
        }
        transformOutput(product, images: count, into: out, temporary: temporary)
    }

    /// partial [alpha²][F][C] += the transformed weight gradient of `count` images starting at
    /// `x`, whose output gradients are the rows `dy` [F][count*Ho*Wo]. `finishWeightGradient`
    /// turns the sum over the batch into dW.
    public func accumulateWeightGradient(
        _ x: UnsafePointer<Float>, images count: Int, outputGradient dy: UnsafePointer<Float>,
        work: UnsafeMutablePointer<Float>, into partial: UnsafeMutablePointer<Float>
    ) {
        let n = count * tiles
        let (vs, ds) = (pointStride(channels, n), pointStride(filters, n))
        let v = work, d = work + points * vs, temporary = d + points * ds
        for b in 0..<count {
            transformInput(x + b * channels * height * width, column: b * tiles, columns: n, into: v, temporary: temporary)
        }
        transformOutputGradient(dy, images: count, into: d, temporary: temporary)
        for t in 0..<points {
            BLAS.sgemm(.none, .transposed, m: filters, n: channels, k: n, a: d + t * ds, lda: n,
                       b: v + t * vs, ldb: n, beta: 1, c: partial + t * filters * channels, ldc: channels)
        }
    }

    // MARK: Filters

    /// u [alpha²][F][C] = G g Gᵀ for each filter g of w [F][C][r][r].
    public func transformWeights(_ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let a = transform.alpha, r = transform.r
        transform.g.withUnsafeBufferPointer { gb in
            let g = gb.baseAddress!
            var half = [Float](repeating: 0, count: a * r)
            for f in 0..<filters {
                for c in 0..<channels {
                    let kernel = w + (f * channels + c) * r * r
                    for i in 0..<a {
                        for v in 0..<r {
                            var s: Float = 0
                            for k in 0..<r { s += g[i * r + k] * kernel[k * r + v] }
                            half[i * r + v] = s
                        }
                    }
                    for i in 0..<a {
                        for j in 0..<a {
                            var s: Float = 0
                            for v in 0..<r { s += half[i * r + v] * g[j * r + v] }
                            u[((i * a + j) * filters + f) * channels + c] = s
                        }
                    }
                }
            }
        }
    }

    /// dw [F][C][r][r] = Gᵀ E G for each filter's summed transform E in e [alpha²][F][C].
    public func finishWeightGradient(_ e: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>) {
        let a = transform.alpha, r = transform.r
        transform.g.withUnsafeBufferPointer { gb in
            let g = gb.baseAddress!
            var half = [Float](repeating: 0, count: r * a)
            for f in 0..<filters {
                for c in 0..<channels {
                    let point = { (i: Int, j: Int) in e[((i * a + j) * self.filters + f) * self.channels + c] }
                    for u in 0..<r {
                        for j in 0..<a {
                            var s: Float = 0
                            for i in 0..<a { s += g[i * r + u] * point(i, j) }
                            half[u * a + j] = s
                        }
                    }
                    let kernel = dw + (f * channels + c) * r * r
                    for u in 0..<r {
                        for v in 0..<r {
                            var s: Float = 0
                            for j in 0..<a { s += half[u * a + j] * g[j * r + v] }
                            kernel[u * r + v] = s
                        }
                    }
                }
            }
        }
    }

    // MARK: Tiles

    /// v[t][c][column + tile] = (Bᵀ d B)[t] for every input patch d of one image (in C, see
    /// winograd_tiles.h: the transform's strided gathers want AVX2, chosen at run time).
    func transformInput(
        _ image: UnsafePointer<Float>, column: Int, columns n: Int, into v: UnsafeMutablePointer<Float>,
        temporary: UnsafeMutablePointer<Float>
    ) {
        mimic_winograd_input(image, channels, height, width, padding, transform.m, tilesY, tilesX,
                             v, pointStride(channels, n), n, column, temporary)
    }

    /// Rows of one transform point's block in V, M or D, padded so that the 36 blocks do not
    /// start at addresses 64 KiB apart: 36 stores a SIMD lane group makes would otherwise all
    /// fall into one L1 set and evict one another.
    func pointStride(_ rows: Int, _ n: Int) -> Int { rows * n + 16 }

    /// out rows [F][count*Ho*Wo] from the products [alpha²][F][n]: Aᵀ M A per tile, computed
    /// for all n tiles of a filter at once, then written to the tile's place, clipped at the
    /// bottom and right edges.
    func transformOutput(
        _ product: UnsafePointer<Float>, images count: Int, into out: UnsafeMutablePointer<Float>,
        temporary: UnsafeMutablePointer<Float>
    ) {
        let a = transform.alpha, m = transform.m, n = count * tiles, width = count * outputPositions
        let block = pointStride(filters, n)
        let half = temporary, tile = temporary + a * m * n
        transform.at.withUnsafeBufferPointer { atb in
            let at = atb.baseAddress!
            for f in 0..<filters {
                // half[i][col] = sum_j M[i][j] Aᵀ[col][j];  tile[row][col] = sum_i Aᵀ[row][i] half[i][col].
                for i in 0..<a {
                    for col in 0..<m {
                        let target = half + (i * m + col) * n
                        combine(rows: { j in product + (i * a + j) * block + f * n }, weights: at + col * a,
                                count: a, length: n, into: target)
                    }
                }
                for row in 0..<m {
                    for col in 0..<m {
                        combine(rows: { i in UnsafePointer(half + (i * m + col) * n) }, weights: at + row * a,
                                count: a, length: n, into: tile + (row * m + col) * n)
                    }
                }
                let filterRow = out + f * width
                for b in 0..<count {
                    for ty in 0..<tilesY {
                        for row in 0..<m where ty * m + row < outputHeight {
                            let line = filterRow + b * outputPositions + (ty * m + row) * outputWidth
                            for col in 0..<m {
                                let values = tile + (row * m + col) * n + b * tiles + ty * tilesX
                                var tx = 0
                                while tx < tilesX && tx * m + col < outputWidth {
                                    line[tx * m + col] = values[tx]
                                    tx += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// d [alpha²][F][n] = A dY Aᵀ for every m x m tile of the output gradient rows
    /// dy [F][count*Ho*Wo], tiles past the bottom and right edges read as zero.
    func transformOutputGradient(
        _ dy: UnsafePointer<Float>, images count: Int, into d: UnsafeMutablePointer<Float>,
        temporary: UnsafeMutablePointer<Float>
    ) {
        let a = transform.alpha, m = transform.m, n = count * tiles, width = count * outputPositions
        let block = pointStride(filters, n)
        let tile = temporary, half = temporary + m * m * n
        transform.at.withUnsafeBufferPointer { atb in
            let at = atb.baseAddress!
            // A[i][row] = Aᵀ[row][i]: the weights of a column of Aᵀ, strided by alpha.
            var column = [Float](repeating: 0, count: m)
            for f in 0..<filters {
                let filterRow = dy + f * width
                for b in 0..<count {
                    for ty in 0..<tilesY {
                        for row in 0..<m {
                            let y = ty * m + row
                            for col in 0..<m {
                                let values = tile + (row * m + col) * n + b * tiles + ty * tilesX
                                for tx in 0..<tilesX {
                                    let x = tx * m + col
                                    values[tx] = y < outputHeight && x < outputWidth
                                        ? filterRow[b * outputPositions + y * outputWidth + x] : 0
                                }
                            }
                        }
                    }
                }
                // half[i][col] = sum_row A[i][row] tile[row][col];  D[i][j] = sum_col half[i][col] A[j][col].
                for i in 0..<a {
                    for row in 0..<m { column[row] = at[row * a + i] }
                    for col in 0..<m {
                        column.withUnsafeBufferPointer { w in
                            combine(rows: { row in UnsafePointer(tile + (row * m + col) * n) }, weights: w.baseAddress!,
                                    count: m, length: n, into: half + (i * m + col) * n)
                        }
                    }
                }
                for i in 0..<a {
                    for j in 0..<a {
                        for col in 0..<m { column[col] = at[col * a + j] }
                        column.withUnsafeBufferPointer { w in
                            combine(rows: { col in UnsafePointer(half + (i * m + col) * n) }, weights: w.baseAddress!,
                                    count: m, length: n, into: d + (i * a + j) * block + f * n)
                        }
                    }
                }
            }
        }
    }

    /// target[0..<length] = sum_k weights[k] * rows(k)[0..<length], skipping zero weights
    /// (a third of the transforms' entries).
    @inline(__always)
    func combine(
        rows: (Int) -> UnsafePointer<Float>, weights: UnsafePointer<Float>, count: Int, length: Int,
        into target: UnsafeMutablePointer<Float>
    ) {
        target.update(repeating: 0, count: length)
        for k in 0..<count {
            let w = weights[k]
            if w == 0 { continue }
            let row = rows(k)
            for q in 0..<length { target[q] += w * row[q] }
        }
    }
}

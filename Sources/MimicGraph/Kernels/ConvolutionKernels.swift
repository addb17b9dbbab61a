import MimicBLAS
import MimicKernels
import MimicVocabulary

/// Convolutions as GEMMs over im2col columns, or over Winograd tiles where
/// `ConvolutionAlgorithm` picks them. Images are taken a chunk at a time, side by side in one
/// GEMM, so that late layers with small feature maps (8x8, 4x4) still give GEMMs wide enough
/// to run near the machine's peak; chunks are split over the threads. The output of a chunk
/// is [F, chunk*Ho*Wo] either way; the epilogue (bias, activation, pool) reads it while it is
/// in cache and writes each image's NCHW planes.
public struct ConvGeometry: Sendable {
    var c, h, w, f, k, stride, pad, ho, wo: Int
    /// Images per GEMM.
    var chunk: Int
    /// Set when the convolution runs over Winograd tiles.
    var winograd: WinogradTiling?
    /// Set when those tiles take the fused path (`WinogradTiling.convolveFused`): a forward or
    /// an input gradient on a CPU that has its kernels. Weight gradients sum over the tiles
    /// and keep the unfused GEMMs, whose K is the chunk's tiles.
    var fused = false
    var columns: Int { c * k * k }
    var positions: Int { ho * wo }
    var imageIn: Int { c * h * w }
    var imageOut: Int { f * ho * wo }
    /// Per-thread scratch layout: the algorithm's work space (im2col columns, or tile
    /// transforms and products), then the chunk's output.
    var outputOffset: Int { winograd?.workFloats(images: chunk) ?? columns * chunk * positions }
    var scratchFloats: Int { outputOffset + f * chunk * positions }
    /// A piece's partial weight gradient (dW, or its Winograd transform).
    var partialFloats: Int { winograd?.transformedWeightFloats ?? f * columns }

    init(input: [Int], output: [Int], kernel k: Int, stride: Int, padding: Int, winograd allowed: Bool, fuse: Bool) {
        (c, h, w, f, self.k, self.stride, pad, ho, wo) =
            (input[0], input[1], input[2], output[0], k, stride, padding, output[1], output[2])
        winograd = allowed
            ? ConvolutionAlgorithm.winograd(channels: c, filters: f, height: h, width: w, kernel: k, stride: stride, padding: padding)
            : nil
        fused = fuse && winograd?.fusedAvailable == true
        // About 256 columns (positions or tiles) a chunk, but 128 tiles for F(2,5): OpenBLAS
        // multiplies its short-K GEMMs (64 x 128 x 64) without packing either operand while
        // M N K stays small (its small-matrix kernel); at 256 columns it packed both and the
        // paper's 5x5 CNNs trained 8-13% slower (2026-12-01).
        let columns = winograd.map { $0.transform.m == 2 ? 2 * $0.tiles : $0.tiles } ?? ho * wo
        chunk = fused ? winograd!.fusedChunk : ConvGeometry.chunk(positions: columns)
    }

    /// Enough images side by side for about 256 GEMM columns (output positions, or tiles).
    static func chunk(positions: Int) -> Int { max(1, min(32, 256 / max(1, positions))) }

    /// The geometry of a convolution op or of either of its gradients.
    public init(_ op: Op, in g: Graph, winograd: Bool) {
        if let conv = op.as(Ops.Conv2D.self) {
            self.init(input: g[op.inputs[0]].shape, output: g[op.outputs[0]].shape, kernel: conv.kernel, stride: conv.stride,
                      padding: conv.padding, winograd: winograd, fuse: true)
        } else if let conv = op.as(Ops.Conv2DGradWeight.self) {
            self.init(input: g[op.inputs[1]].shape, output: g[op.inputs[0]].shape, kernel: conv.kernel, stride: conv.stride,
                      padding: conv.padding, winograd: winograd, fuse: false)
        } else if let conv = op.as(Ops.Conv2DGradInput.self) {
            self.init(input: g[op.outputs[0]].shape, output: g[op.inputs[0]].shape, kernel: conv.kernel, stride: conv.stride,
                      padding: conv.padding, winograd: winograd, fuse: false)
        } else {
            preconditionFailure("internal error: \(op.kind.mnemonic) is not a convolution")
        }
    }

    /// The input gradient of a stride-1 convolution as a convolution itself: dy, padded by
    /// k-1-p, correlated with the weights flipped in space and with F and C swapped. Its GEMM
    /// has the forward's shape (M = C, K = F*k*k), which runs faster here than the
    /// transposed product (M = C*k*k, K = F) followed by a scattering col2im. Nil for strided
    /// convolutions, whose gradient has holes.
    public static func transposed(_ op: Op, in g: Graph, winograd: Bool) -> ConvGeometry? {
        guard let conv = op.as(Ops.Conv2DGradInput.self), conv.stride == 1, conv.padding <= conv.kernel - 1 else { return nil }
        return ConvGeometry(input: g[op.inputs[0]].shape, output: g[op.outputs[0]].shape, kernel: conv.kernel, stride: 1,
                            padding: conv.kernel - 1 - conv.padding, winograd: winograd, fuse: true)
    }

    /// The Winograd tiling a convolution op runs over; nil for im2col and for other ops.
    public static func tiling(_ op: Op, in g: Graph, winograd: Bool) -> WinogradTiling? {
        if op.is(Ops.Conv2DGradInput.self) { return transposed(op, in: g, winograd: winograd)?.winograd }
        if op.is(Ops.Conv2D.self) || op.is(Ops.Conv2DGradWeight.self) { return ConvGeometry(op, in: g, winograd: winograd).winograd }
        return nil
    }

    /// The partial sums a piece of a weight gradient needs; 0 for other ops.
    public static func partialFloats(_ op: Op, in g: Graph, winograd: Bool) -> Int {
        op.is(Ops.Conv2DGradWeight.self) ? ConvGeometry(op, in: g, winograd: winograd).partialFloats : 0
    }

    /// The per-thread scratch a convolution op (or gradient) needs; 0 for other ops.
    public static func scratchFloats(_ op: Op, in g: Graph, winograd: Bool) -> Int {
        guard op.is(Ops.Conv2D.self) || op.is(Ops.Conv2DGradWeight.self) || op.is(Ops.Conv2DGradInput.self) else { return 0 }
        return max(ConvGeometry(op, in: g, winograd: winograd).scratchFloats,
                   transposed(op, in: g, winograd: winograd)?.scratchFloats ?? 0)
    }

    /// FLOPs an op executes (a multiply-add counted as 2): a convolution over Winograd tiles
    /// executes its alpha² GEMMs, K = C, not the direct convolution's K = C k²; transforms are
    /// element-wise work and, as elsewhere, not counted. Other ops as their kind counts them.
    public static func executedFlops(_ op: Op, in g: Graph, batch: Int, winograd: Bool) -> Int {
        guard let tiling = tiling(op, in: g, winograd: winograd) else { return op.kind.flops(op, in: g, batch: batch) }
        return tiling.gemmFlops(images: batch)
    }
}

/// Convolution kernels, bound against the executor's services.
extension KernelContext {
    func geometry(_ op: Op) -> ConvGeometry { ConvGeometry(op, in: graph, winograd: winograd) }

    /// Runs `body(first image, image count, thread)` over the batch in chunks, the chunks
    /// split over the threads in fixed ranges.
    func forEachChunk(_ g: ConvGeometry, _ body: (Int, Int, Int) -> Void) {
        let chunks = (batch + g.chunk - 1) / g.chunk
        parallel(chunks) { range, t in
            for chunk in range {
                let first = chunk * g.chunk
                body(first, min(g.chunk, batch - first), t)
            }
        }
    }

    /// im2col of images first..<first+count, side by side, into `cols`.
    func columns(_ x: UnsafePointer<Float>, first: Int, count: Int, _ g: ConvGeometry, into cols: UnsafeMutablePointer<Float>) {
        let width = count * g.positions
        for b in 0..<count {
            Im2Col.forward(x + (first + b) * g.imageIn, channels: g.c, height: g.h, width: g.w, kernel: g.k,
                           stride: g.stride, padding: g.pad, into: cols + b * g.positions, rowStride: width)
        }
    }

    /// out [F, count*positions] = the convolution of images first..<first+count, into the
    /// scratch's output block or into `destination`: over Winograd tiles with `winograd`'s
    /// filters (refilled once per step), else W x im2col(images).
    func convolveChunk(_ x: UnsafePointer<Float>, first: Int, count: Int, _ weight: UnsafePointer<Float>,
                       winograd: FilterTransform?, _ g: ConvGeometry, scratch: UnsafeMutablePointer<Float>,
                       into destination: UnsafeMutablePointer<Float>? = nil) {
        let target = destination ?? scratch + g.outputOffset
        if let winograd {
            winograd.convolve(x + first * g.imageIn, images: count, work: scratch, into: target, layout: .rows)
            return
        }
        let width = count * g.positions
        columns(x, first: first, count: count, g, into: scratch)
        BLAS.sgemm(.none, .none, m: g.f, n: width, k: g.columns, a: weight, lda: g.columns, b: scratch, ldb: width,
                   c: target, ldc: width)
    }

    /// The filter transform of a convolution over Winograd tiles; nil for im2col.
    func filterTransform(_ g: ConvGeometry) -> FilterTransform? {
        g.winograd.map {
            FilterTransform(tiling: $0, filters: kernelBuffer($0.transformedWeightFloats),
                            packed: g.fused ? kernelBuffer($0.packedFilterFloats) : nil)
        }
    }

    /// The [F, count*positions] layout of a chunk of an NCHW gradient: one image's planes are
    /// already that layout and are used where they are; several are gathered into `out`.
    func gatherChunk(
        _ dy: UnsafePointer<Float>, first: Int, count: Int, _ g: ConvGeometry, into out: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        if count == 1 { return dy + first * g.imageOut }
        let width = count * g.positions
        for b in 0..<count {
            for f in 0..<g.f {
                (out + f * width + b * g.positions).update(from: dy + (first + b) * g.imageOut + f * g.positions, count: g.positions)
            }
        }
        return UnsafePointer(out)
    }

    /// conv2d [-> bias_add [-> activation]] [-> maxpool] [-> batchnorm_inference -> activation]
    /// with the epilogue applied to each output plane while it is in cache: a convolution
    /// without bias pools straight from its output, and in inference graphs the batchnorm
    /// (y = a x + b from the running statistics) and its activation follow in the same pass,
    /// so neither the convolution's output nor the pool's reaches memory.
    func bindConvolutionForward(_ ops: [Op]) -> () -> Void {
        let g = geometry(ops[0])
        let x = memory(ops[0].inputs[0]), weight = memory(ops[0].inputs[1])
        let biasOp = ops.first { $0.is(Ops.BiasAdd.self) }, activationOp = ops.first { $0.is(Ops.Activate.self) }
        let poolOp = ops.first { $0.is(Ops.MaxPool.self) }, normOp = ops.first { $0.is(Ops.BatchNormInference.self) }
        let bias = biasOp.map { memory($0.inputs[1]) }
        let activation = activationOp?.as(Ops.Activate.self)?.function ?? .none
        // Values written to memory (each may be inside the kernel instead).
        let convolved = pointer(ops[0].outputs[0])
        let pre = biasOp.flatMap { pointer($0.outputs[0]) }
        let out = activationOp.flatMap { pointer($0.outputs[0]) }
        var pool: (size: Int, stride: Int, y: UnsafeMutablePointer<Float>?, argmax: UnsafeMutablePointer<Float>?)?
        if let poolOp, let p = poolOp.as(Ops.MaxPool.self) {
            pool = (p.size, p.stride, pointer(poolOp.outputs[0]), pointer(poolOp.outputs[1]))
        }
        let pooled = pool.map { ((g.ho - $0.size) / $0.stride + 1) * ((g.wo - $0.size) / $0.stride + 1) } ?? 0
        let norm = normOp.map { NormalizationEpilogue($0, channels: g.f, self) }
        // With one image per chunk the GEMM's [F, positions] output is the image's NCHW layout:
        // it goes straight to the activation's memory and the epilogue runs there, one copy
        // of the largest maps fewer.
        let direct = g.chunk == 1 && out != nil && convolved == nil && pre == nil && pool == nil && norm?.normalized == nil
        let winograd = filterTransform(g)
        return { [unowned self] in
            winograd?.refill(from: weight)
            norm?.refill()
            self.forEachChunk(g) { first, count, t in
                let scratch = self.scratch(t)
                let target = direct ? out! + first * g.imageOut : scratch + g.outputOffset
                self.convolveChunk(x, first: first, count: count, weight, winograd: winograd, g, scratch: scratch, into: target)
                let width = count * g.positions
                for b in 0..<count {
                    let image = (first + b) * g.imageOut
                    for f in 0..<g.f {
                        let row = target + f * width + b * g.positions
                        let plane = image + f * g.positions
                        if let convolved { (convolved + plane).update(from: row, count: g.positions) }
                        if let bias {
                            let b0 = bias[f]
                            if let pre {
                                for i in 0..<g.positions { row[i] += b0 }
                                (pre + plane).update(from: row, count: g.positions)
                                if activation != .none { Elementwise.activate(activation, row, row, count: g.positions) }
                            } else if activation == .relu {
                                Elementwise.reluPlusBias(row, count: g.positions, bias: b0)
                            } else {
                                // A plane at a time, so GELU runs its vector code.
                                for i in 0..<g.positions { row[i] += b0 }
                                Elementwise.activate(activation, row, row, count: g.positions)
                            }
                            if let out, !direct { (out + plane).update(from: row, count: g.positions) }
                        }
                        if let pool {
                            let at = ((first + b) * g.f + f) * pooled
                            // Ahead of a fused batchnorm the pool's output stays in the kernel:
                            // it is pooled into the activation's memory and normalised there.
                            let y = pool.y.map { $0 + at } ?? out! + at
                            Pooling.maxpoolPlane(row, height: g.ho, width: g.wo, size: pool.size, stride: pool.stride,
                                                 y, pool.argmax.map { $0 + at })
                            norm?.apply(y, count: pooled, channel: f, offset: at, activation, into: out! + at)
                        } else {
                            norm?.apply(row, count: g.positions, channel: f, offset: plane, activation, into: out! + plane)
                        }
                    }
                }
            }
        }
    }
}

/// Inference batchnorm in a convolution's epilogue: each channel's y = a x + b, with a and b
/// computed from the running statistics once per run (they change only between runs).
struct NormalizationEpilogue {
    let scale: UnsafeMutablePointer<Float>, shift: UnsafeMutablePointer<Float>
    let mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    let epsilon: Double
    let channels: Int
    /// The batchnorm's own output, when something outside the kernel reads it.
    let normalized: UnsafeMutablePointer<Float>?
    /// a for every channel, then b.
    let affine: UnsafeMutablePointer<Float>

    init(_ op: Op, channels: Int, _ context: KernelContext) {
        guard let kind = op.as(Ops.BatchNormInference.self) else { preconditionFailure("internal error: not inference batchnorm") }
        scale = context.memory(op.inputs[1])
        shift = context.memory(op.inputs[2])
        mean = context.memory(op.inputs[3])
        variance = context.memory(op.inputs[4])
        epsilon = kind.epsilon
        self.channels = channels
        normalized = context.pointer(op.outputs[0])
        affine = context.kernelBuffer(2 * channels)
    }

    func refill() {
        for c in 0..<channels {
            let (a, b) = BatchNormKernels.inferenceAffine(scale: scale[c], shift: shift[c], mean: mean[c],
                                                          variance: variance[c], epsilon: epsilon)
            affine[c] = a
            affine[channels + c] = b
        }
    }

    /// Normalises `count` values of `channel` (`x` may be `out`) and activates them into `out`;
    /// `offset` places them in the batchnorm's own output when that is kept.
    func apply(_ x: UnsafePointer<Float>, count: Int, channel: Int, offset: Int, _ function: Activation,
               into out: UnsafeMutablePointer<Float>) {
        let a = affine[channel], b = affine[channels + channel]
        let target = normalized.map { $0 + offset } ?? out
        for i in 0..<count { target[i] = a * x[i] + b }
        Elementwise.activate(function, target, out, count: count)
    }
}

/// A Winograd convolution's tiling with the memory of its transformed filters (U), and of
/// their packed copy when it takes the fused path, bound with its kernel; `refill`
/// transforms (and packs) the step's weights.
struct FilterTransform {
    let tiling: WinogradTiling
    let filters: UnsafeMutablePointer<Float>
    let packed: UnsafeMutablePointer<Float>?

    /// Whether this run takes the fused path. Checked on every run, as the tests may force
    /// the CPU's kernels between binding a plan and running it; the scratch of the fused
    /// path's smaller chunks suits the unfused path too.
    var fused: Bool { packed != nil && tiling.fusedAvailable }

    func refill(from weights: UnsafePointer<Float>) {
        tiling.transformWeights(weights, into: filters)
        if let packed, fused { tiling.packFilters(filters, into: packed) }
    }

    /// A chunk's convolution over these filters, on the fused path where it runs.
    func convolve(_ x: UnsafePointer<Float>, images count: Int, work: UnsafeMutablePointer<Float>,
                  into out: UnsafeMutablePointer<Float>, layout: MapLayout) {
        if let packed, fused {
            tiling.convolveFused(x, images: count, packedFilters: packed, work: work, into: out, layout: layout)
        } else {
            tiling.convolve(x, images: count, transformedWeights: filters, work: work, into: out, layout: layout)
        }
    }
}

import MimicBLAS
import MimicKernels

/// The two gradients of a convolution. The weight gradient accumulates, per piece of the
/// batch (`inPieces`), the product of each chunk's output gradient with its columns and adds
/// the pieces' partials in order at the end; the input gradient is a convolution of the output gradient when the stride
/// is 1, else a transposed product scattered back by col2im.
extension KernelContext {
    func bindConvolutionGradWeight(_ op: Op) -> () -> Void {
        let g = geometry(op)
            let dy = memory(op.inputs[0]), x = memory(op.inputs[1]), dw = memory(op.outputs[0])
            // Winograd sums the transformed gradient over the batch, here, and transforms it back once.
            let winogradSum = g.winograd.map { (tiling: $0, sum: kernelBuffer($0.transformedWeightFloats)) }
            return { [unowned self] in
                let chunks = (self.batch + g.chunk - 1) / g.chunk
                self.inPieces(chunks) { range, piece, t in
                    // The piece's first chunk writes its partial, the others add to it.
                    let partial = self.partial(piece)
                    for chunk in range {
                        let first = chunk * g.chunk, count = min(g.chunk, self.batch - first)
                        let scratch = self.scratch(t), width = count * g.positions
                        let gradient = self.gatherChunk(dy, first: first, count: count, g, into: scratch + g.outputOffset)
                        if let tiling = g.winograd {
                            tiling.accumulateWeightGradient(x + first * g.imageIn, images: count, outputGradient: gradient,
                                                            work: scratch, into: partial, overwriting: chunk == range.lowerBound)
                            continue
                        }
                        self.columns(x, first: first, count: count, g, into: scratch)
                        BLAS.sgemm(.none, .transposed, m: g.f, n: g.columns, k: width, a: gradient, lda: width,
                                   b: scratch, ldb: width, beta: chunk == range.lowerBound ? 0 : 1, c: partial, ldc: g.columns)
                    }
                }
                if let (tiling, sum) = winogradSum {
                    self.sumPieces(of: chunks, into: sum, count: g.partialFloats)
                    tiling.finishWeightGradient(sum, into: dw)
                } else {
                    self.sumPieces(of: chunks, into: dw, count: g.partialFloats)
                }
            }
    }

    func bindConvolutionGradInput(_ op: Op) -> () -> Void {
        let dy = memory(op.inputs[0]), weight = memory(op.inputs[1]), dx = memory(op.outputs[0])
        if let t = ConvGeometry.transposed(op, in: graph, winograd: winograd) {
            // t reads dy [F, Ho, Wo] (t.c = F) and writes dx [C, H, W] (t.f = C) with the weights
            // [F, C, k, k] rearranged as [C, F, k, k], each k x k kernel turned by 180 degrees.
            // Rebuilt every call (F*C*k*k floats, a few microseconds): the weights change each step.
            var flipped = [Float](repeating: 0, count: t.f * t.columns)
            let kk = t.k * t.k, filters = t.c, channels = t.f
            let winograd = filterTransform(t)
            return { [unowned self] in
                flipped.withUnsafeMutableBufferPointer { w in
                    for filter in 0..<filters {
                        for channel in 0..<channels {
                            let source = weight + (filter * channels + channel) * kk
                            let target = w.baseAddress! + (channel * filters + filter) * kk
                            for i in 0..<kk { target[i] = source[kk - 1 - i] }
                        }
                    }
                    let flippedWeights = UnsafePointer(w.baseAddress!)
                    winograd?.refill(from: flippedWeights)
                    self.forEachChunk(t) { first, count, thread in
                        let scratch = self.scratch(thread), width = count * t.positions
                        if let winograd {
                            // Tiles go back straight into dx's NCHW maps.
                            winograd.convolve(dy + first * t.imageIn, images: count, work: scratch, into: dx + first * t.imageOut,
                                              layout: .nchw)
                            return
                        }
                        // One image's [C, H*W] GEMM output is its dx layout: written in place.
                        let inPlace = count == 1
                        self.convolveChunk(dy, first: first, count: count, flippedWeights, winograd: nil, t, scratch: scratch,
                                           into: inPlace ? dx + first * t.imageOut : nil)
                        if inPlace { return }
                        for b in 0..<count {
                            for channel in 0..<channels {
                                (dx + (first + b) * t.imageOut + channel * t.positions)
                                    .update(from: scratch + t.outputOffset + channel * width + b * t.positions, count: t.positions)
                            }
                        }
                    }
                }
            }
        }
        let g = geometry(op)
        return { [unowned self] in
            self.forEachChunk(g) { first, count, t in
                let scratch = self.scratch(t), width = count * g.positions
                let gradient = self.gatherChunk(dy, first: first, count: count, g, into: scratch + g.outputOffset)
                BLAS.sgemm(.transposed, .none, m: g.columns, n: width, k: g.f, a: weight, lda: g.columns,
                           b: gradient, ldb: width, c: scratch, ldc: width)
                for b in 0..<count {
                    let image = dx + (first + b) * g.imageIn
                    image.update(repeating: 0, count: g.imageIn)
                    Im2Col.backward(scratch + b * g.positions, channels: g.c, height: g.h, width: g.w, kernel: g.k,
                                    stride: g.stride, padding: g.pad, into: image, rowStride: width)
                }
            }
        }
    }
}

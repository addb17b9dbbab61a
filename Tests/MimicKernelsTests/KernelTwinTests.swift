import MimicBasics
import MimicBLAS
import MimicKernels
import MimicVocabulary
import MimicTestSupport
import XCTest

/// Each fast kernel against its naive reference twin, on random shapes with odd sizes.
final class KernelTwinTests: XCTestCase {
    var generator = SeededGenerator(seed: 99)

    func random(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
    }

    /// im2col + GEMM is a convolution; col2im + GEMM its input gradient; GEMM with im2col its
    /// weight gradient, for strides, paddings and kernels of odd and even sizes.
    func testIm2ColConvolutionMatchesReference() {
        // Stride 1 with the output as wide as the input takes the shifted-plane path, shifts up
        // to the whole width (2x2 with k5 p2) included.
        let cases = [(3, 7, 5, 3, 1, 1), (2, 9, 4, 2, 2, 0), (5, 6, 3, 5, 1, 2), (1, 11, 2, 3, 3, 1), (4, 5, 6, 1, 1, 0),
                     (2, 2, 3, 5, 1, 2), (3, 16, 4, 5, 1, 2), (2, 3, 2, 7, 1, 3)]
        for (c, side, f, k, s, p) in cases {
            let label = "C\(c) \(side)x\(side) F\(f) k\(k) s\(s) p\(p)"
            let x = random([1, c, side, side]), w = random([f, c, k, k])
            let reference = ReferenceConv2D.forward(x, w, stride: s, padding: p)
            let (ho, wo) = (reference.shape[2], reference.shape[3])
            var cols = [Float](repeating: .nan, count: c * k * k * ho * wo)
            var y = [Float](repeating: 0, count: f * ho * wo)
            x.data.withUnsafeBufferPointer { xs in
                cols.withUnsafeMutableBufferPointer { cs in
                    Im2Col.forward(xs.baseAddress!, channels: c, height: side, width: side, kernel: k, stride: s, padding: p,
                                   into: cs.baseAddress!)
                }
            }
            BLAS.sgemm(.none, .none, m: f, n: ho * wo, k: c * k * k, a: w.data, lda: c * k * k, b: cols, ldb: ho * wo,
                       c: &y, ldc: ho * wo)
            assertElementsClose(y, reference.data, "forward \(label)")

            let dy = random([1, f, ho, wo])
            var dcols = [Float](repeating: 0, count: c * k * k * ho * wo)
            BLAS.sgemm(.transposed, .none, m: c * k * k, n: ho * wo, k: f, a: w.data, lda: c * k * k, b: dy.data, ldb: ho * wo,
                       c: &dcols, ldc: ho * wo)
            var dx = [Float](repeating: 0, count: c * side * side)
            dcols.withUnsafeBufferPointer { d in
                dx.withUnsafeMutableBufferPointer { out in
                    Im2Col.backward(d.baseAddress!, channels: c, height: side, width: side, kernel: k, stride: s, padding: p,
                                    into: out.baseAddress!)
                }
            }
            assertElementsClose(dx, ReferenceConv2D.gradInput(dy, w, inputShape: x.shape, stride: s, padding: p).data, "grad input \(label)")

            var dw = [Float](repeating: 0, count: f * c * k * k)
            BLAS.sgemm(.none, .transposed, m: f, n: c * k * k, k: ho * wo, a: dy.data, lda: ho * wo, b: cols, ldb: ho * wo,
                       c: &dw, ldc: c * k * k)
            assertElementsClose(dw, ReferenceConv2D.gradWeight(dy, x, kernel: k, stride: s, padding: p).data, "grad weight \(label)")
        }
    }

    /// Two images side by side in one column matrix give the two images' columns.
    func testIm2ColRowStridePlacesImagesSideBySide() {
        let x = random([2, 3, 5, 5])
        let positions = 25, rows = 3 * 9
        var together = [Float](repeating: .nan, count: rows * 2 * positions)
        var alone = [Float](repeating: .nan, count: rows * positions)
        x.data.withUnsafeBufferPointer { xs in
            together.withUnsafeMutableBufferPointer { t in
                for b in 0..<2 {
                    Im2Col.forward(xs.baseAddress! + b * 75, channels: 3, height: 5, width: 5, kernel: 3, stride: 1, padding: 1,
                                   into: t.baseAddress! + b * positions, rowStride: 2 * positions)
                }
            }
            alone.withUnsafeMutableBufferPointer { a in
                Im2Col.forward(xs.baseAddress! + 75, channels: 3, height: 5, width: 5, kernel: 3, stride: 1, padding: 1, into: a.baseAddress!)
            }
        }
        for r in 0..<rows {
            XCTAssertEqual(Array(together[(r * 2 * positions + positions)..<(r * 2 * positions + 2 * positions)]),
                           Array(alone[(r * positions)..<((r + 1) * positions)]), "row \(r)")
        }
    }

    func testPoolingMatchesReference() {
        for (side, size, stride) in [(7, 2, 2), (9, 3, 2), (6, 3, 3), (5, 2, 1)] {
            let x = random([1, 1, side, side])
            let reference = ReferenceMaxPool.forward(x, size: size, stride: stride)
            var y = [Float](repeating: 0, count: reference.y.count), argmax = y
            Pooling.maxpoolPlane(x.data, height: side, width: side, size: size, stride: stride, &y, &argmax)
            XCTAssertEqual(y, reference.y.data)
            XCTAssertEqual(argmax, reference.argmax.data)
            let dy = random(reference.y.shape)
            var dx = [Float](repeating: 0, count: side * side)
            Pooling.scatterPlane(dy.data, argmax: argmax, count: dy.count, into: &dx)
            assertElementsClose(dx, ReferenceMaxPool.grad(dy, argmax: reference.argmax, inputShape: x.shape).data, "pool grad \(side)/\(size)/\(stride)")
        }
    }

    /// The 2x2 stride-2 path works eight windows at a time: planes with 8 and 9 windows per line
    /// (one block, a block and a scalar tail), tails of 3 to 7 windows (the padded vector: 7, 15
    /// and 31 wide, the fast teacher's maps, and 22), odd sides, and windows of ties, -infinity
    /// and NaN, which must resolve as the reference's strictly-greater scan does.
    func testTwoByTwoPoolingMatchesReferenceOnBlocksTailsTiesAndNaN() {
        for (height, width) in [(16, 16), (5, 19), (33, 18), (2, 34), (7, 7), (15, 15), (31, 31), (6, 22)] {
            var x = random([1, 1, height, width])
            for i in stride(from: 0, to: x.count, by: 7) { x.data[i] = x.data[(i + 1) % x.count] }  // ties
            x.data[0] = -.infinity; x.data[1] = -.infinity; x.data[width] = -.infinity; x.data[width + 1] = -.infinity
            x.data[2] = .nan; x.data[width + 3] = .nan
            let reference = ReferenceMaxPool.forward(x, size: 2, stride: 2)
            var y = [Float](repeating: 0, count: reference.y.count), argmax = y
            Pooling.maxpoolPlane(x.data, height: height, width: width, size: 2, stride: 2, &y, &argmax)
            XCTAssertEqual(y, reference.y.data, "\(height)x\(width)")
            XCTAssertEqual(argmax, reference.argmax.data, "\(height)x\(width)")
            XCTAssertEqual(y[0], -.infinity)
            var unrecorded = [Float](repeating: 0, count: reference.y.count)
            Pooling.maxpoolPlane(x.data, height: height, width: width, size: 2, stride: 2, &unrecorded, nil)
            XCTAssertEqual(unrecorded, y)
        }
    }

    /// The channel-at-a-time batchnorm against the reference: training forward with its batch
    /// statistics and running averages, inference, and the gradient; spatial and flat inputs,
    /// a batch of one, and values far from zero (the variance's cancellation).
    func testBatchNormMatchesReference() {
        for (n, c, inner, offset) in [(4, 3, 25, Float(0)), (1, 5, 49, 3), (7, 6, 1, -2), (3, 2, 961, 40)] {
            var x = random([n, c, inner])
            for i in 0..<x.count { x.data[i] += offset }
            let scale = random([c]), shift = random([c]), dy = random([n, c, inner])
            var runningMean = random([c]).data, runningVariance = random([c]).data.map { 1 + abs($0) }
            let (initialMean, initialVariance) = (runningMean, runningVariance)
            var y = [Float](repeating: .nan, count: x.count), mean = [Float](repeating: .nan, count: c), invStd = mean
            for ch in 0..<c {
                BatchNormKernels.forwardChannel(ch, x: x.data, y: &y, batch: n, channels: c, inner: inner, scale: scale.data[ch],
                                                shift: shift.data[ch], epsilon: 1e-5, momentum: 0.1, mean: &mean, invStd: &invStd,
                                                runningMean: &runningMean, runningVariance: &runningVariance)
            }
            let label = "n=\(n) c=\(c) inner=\(inner) offset=\(offset)"
            let reference = ReferenceBatchNorm.forward(x, scale: scale, shift: shift, epsilon: 1e-5)
            assertElementsClose(y, reference.y.data, "forward \(label)", tolerance: 2e-4)
            assertElementsClose(mean, reference.mean.data, "mean \(label)")
            assertElementsClose(invStd, reference.invStd.data, "inverse std \(label)", tolerance: 2e-4)
            let running = ReferenceBatchNorm.updateRunning(
                mean: Tensor(shape: [c], data: initialMean), variance: Tensor(shape: [c], data: initialVariance),
                batchMean: reference.mean, batchInvStd: reference.invStd, epsilon: 1e-5, momentum: 0.1, samples: n * inner)
            assertElementsClose(runningMean, running.mean.data, "running mean \(label)")
            assertElementsClose(runningVariance, running.variance.data, "running variance \(label)", tolerance: 2e-4)

            var inferred = [Float](repeating: .nan, count: x.count)
            for ch in 0..<c {
                BatchNormKernels.inferenceChannel(ch, x: x.data, y: &inferred, batch: n, channels: c, inner: inner, scale: scale.data[ch],
                                                  shift: shift.data[ch], mean: runningMean[ch], variance: runningVariance[ch], epsilon: 1e-5)
            }
            let referenceInference = ReferenceBatchNorm.inference(
                x, scale: scale, shift: shift, mean: Tensor(shape: [c], data: runningMean),
                variance: Tensor(shape: [c], data: runningVariance), epsilon: 1e-5)
            assertElementsClose(inferred, referenceInference.data, "inference \(label)", tolerance: 2e-4)

            var dx = [Float](repeating: .nan, count: x.count), dscale = [Float](repeating: .nan, count: c), dshift = dscale
            for ch in 0..<c {
                BatchNormKernels.gradChannel(ch, dy: dy.data, x: x.data, dx: &dx, batch: n, channels: c, inner: inner,
                                             scale: scale.data[ch], mean: reference.mean.data[ch], invStd: reference.invStd.data[ch],
                                             dscale: &dscale, dshift: &dshift)
            }
            let grad = ReferenceBatchNorm.grad(dy, x: x, scale: scale, mean: reference.mean, invStd: reference.invStd)
            assertClose(dx, grad.dx.data, "dx \(label)", tolerance: 1e-3)
            assertClose(dscale, grad.dscale.data, "dscale \(label)", tolerance: 1e-3)
            assertClose(dshift, grad.dshift.data, "dshift \(label)", tolerance: 1e-4)
        }
    }

    /// Batchnorm and its activation over ranges of channels (the batch read image by image)
    /// against the channel-at-a-time kernels, which the reference checks above: the same bits
    /// for the outputs, the kept normalised values, the statistics, the running averages and
    /// all three gradients, on maps of 7x7, 3x3, 15x15 and 1, whatever the ranges' split.
    func testBatchNormOverChannelRangesGivesTheChannelKernelsBits() {
        for (n, c, inner, function) in [(5, 7, 49, Activation.gelu), (3, 4, 9, .relu), (2, 5, 225, .gelu), (6, 3, 1, .tanh)] {
            let x = random([n, c, inner]), scale = random([c]), shift = random([c]), dy = random([n, c, inner])
            let initialMean = random([c]).data, initialVariance = random([c]).data.map { 1 + abs($0) }
            // Channel by channel.
            var runningMean = initialMean, runningVariance = initialVariance
            var y = [Float](repeating: .nan, count: x.count), normalized = y
            var mean = [Float](repeating: .nan, count: c), invStd = mean
            for ch in 0..<c {
                let (a, b) = BatchNormKernels.statistics(
                    ch, x: x.data, batch: n, channels: c, inner: inner, scale: scale.data[ch], shift: shift.data[ch], epsilon: 1e-5,
                    momentum: 0.1, mean: &mean, invStd: &invStd, runningMean: &runningMean, runningVariance: &runningVariance)
                BatchNormKernels.affineActivation(ch, x: x.data, normalized: &normalized, out: &y, batch: n, channels: c, inner: inner,
                                                  a: a, b: b, function)
            }
            var dx = [Float](repeating: .nan, count: x.count), dscale = [Float](repeating: .nan, count: c), dshift = dscale
            for ch in 0..<c {
                BatchNormKernels.gradChannelThroughActivation(
                    ch, dy: dy.data, v: normalized, x: x.data, dx: &dx, batch: n, channels: c, inner: inner, function,
                    scale: scale.data[ch], mean: mean[ch], invStd: invStd[ch], dscale: &dscale, dshift: &dshift)
            }
            // Over ranges: every split point.
            for split in 0...c {
                let label = "n=\(n) c=\(c) inner=\(inner) \(function) split at \(split)"
                var rangeMean = initialMean, rangeVariance = initialVariance
                var rangeY = [Float](repeating: .nan, count: x.count), rangeNormalized = rangeY
                var rangeBatchMean = [Float](repeating: .nan, count: c), rangeInvStd = rangeBatchMean
                for range in [0..<split, split..<c] where !range.isEmpty {
                    BatchNormKernels.forwardThroughActivation(
                        channels: range, x: x.data, normalized: &rangeNormalized, out: &rangeY, batch: n, channels: c, inner: inner,
                        function, scale: scale.data, shift: shift.data, epsilon: 1e-5, momentum: 0.1, mean: &rangeBatchMean,
                        invStd: &rangeInvStd, runningMean: &rangeMean, runningVariance: &rangeVariance)
                }
                XCTAssertEqual(rangeY, y, "out \(label)")
                XCTAssertEqual(rangeNormalized, normalized, "normalised \(label)")
                XCTAssertEqual(rangeBatchMean, mean, "mean \(label)")
                XCTAssertEqual(rangeInvStd, invStd, "invStd \(label)")
                XCTAssertEqual(rangeMean, runningMean, "running mean \(label)")
                XCTAssertEqual(rangeVariance, runningVariance, "running variance \(label)")
                var rangeDx = [Float](repeating: .nan, count: x.count), rangeDscale = [Float](repeating: .nan, count: c)
                var rangeDshift = rangeDscale
                for range in [0..<split, split..<c] where !range.isEmpty {
                    BatchNormKernels.gradientThroughActivation(
                        channels: range, dy: dy.data, v: normalized, x: x.data, dx: &rangeDx, batch: n, channels: c, inner: inner,
                        function, scale: scale.data, mean: mean, invStd: invStd, dscale: &rangeDscale, dshift: &rangeDshift)
                }
                XCTAssertEqual(rangeDx, dx, "dx \(label)")
                XCTAssertEqual(rangeDscale, dscale, "dscale \(label)")
                XCTAssertEqual(rangeDshift, dshift, "dshift \(label)")
            }
            XCTAssertFalse(y.contains { $0.isNaN } || dx.contains { $0.isNaN }, "every value written")
        }
    }

    /// Rows of 21 and 19: two or more eight-lane blocks and a tail, for the vector paths.
    func testEpiloguesAndActivationGradientsMatchReference() {
        for activation in Activation.allCases {
            let x = random([1, 3, 21]), bias = random([3])
            var y = x.data
            Elementwise.biasActivation(&y, bias: bias.data, channels: 3, inner: 21, activation)
            let reference = ReferenceActivation.forward(activation, ReferenceBias.forward(x, bias))
            assertElementsClose(y, reference.data, "bias+\(activation)")
            let dy = random([1, 3, 21])
            let source = activation == .gelu ? ReferenceBias.forward(x, bias) : reference
            var dx = [Float](repeating: 0, count: 63)
            Elementwise.activationGrad(dy.data, source.data, &dx, count: 63, activation)
            assertElementsClose(dx, ReferenceActivation.grad(activation, dy, from: source).data, "\(activation) grad")

            let rows = random([4, 19]), features = random([19])
            var z = rows.data
            Elementwise.rowBiasActivation(&z, bias: features.data, rows: 4, features: 19, activation)
            assertElementsClose(z, ReferenceActivation.forward(activation, ReferenceBias.forward(rows, features)).data, "row bias+\(activation)")
        }
        for inner in [3, 1] {
            let dy = random([4, 19, inner])
            var sums = [Float](repeating: 0, count: 19)
            Elementwise.accumulateChannelSums(dy.data, batch: 4, channels: 19, inner: inner, into: &sums)
            assertElementsClose(sums, ReferenceBias.grad(dy).data, "bias grad, inner \(inner)")
        }
    }

    /// The vector GELU and its derivative against the double-precision reference over
    /// [-12, 12], including where erf saturates and e^(-x²/2) underflows, and a tail, for
    /// each code this CPU runs (Swift's eight lanes, and C's AVX2 and AVX-512); AVX2 and
    /// AVX-512 give the same bits.
    func testVectorGELUMatchesTheReference() {
        var results: [VectorGELU.Code: [Float]] = [:]
        for code in VectorGELU.Code.allCases where VectorGELU.runs(code) {
            VectorGELU.with(code) { results[code] = checkVectorGELU("\(code)") }
        }
        XCTAssertNotNil(results[.portable])
        if let avx2 = results[.avx2], let best = results[.best] { XCTAssertEqual(avx2, best, "AVX2 and the CPU's best") }
        // Every length up to two vectors, so each tail is written and nothing past it.
        for code in VectorGELU.Code.allCases where VectorGELU.runs(code) {
            VectorGELU.with(code) {
                for count in 0...33 {
                    let x = (0..<count).map { Float($0) * 0.37 - 6 }
                    var y = [Float](repeating: 99, count: count + 1), dx = y
                    VectorGELU.apply(x, &y, count: count)
                    VectorGELU.gradient([Float](repeating: 2, count: count), x, &dx, count: count)
                    for i in 0..<count {
                        XCTAssertEqual(y[i], Elementwise.activate(.gelu, x[i]), accuracy: 1e-5, "\(code) \(count)")
                        XCTAssertEqual(dx[i], 2 * Elementwise.derivative(.gelu, from: x[i]), accuracy: 1e-5, "\(code) \(count)")
                    }
                    XCTAssertEqual(y[count], 99, "\(code): written past \(count)")
                    XCTAssertEqual(dx[count], 99, "\(code): written past \(count)")
                }
            }
        }
    }

    /// gelu over [-12, 12] within 1e-6 of the double reference, and its derivative; returns both.
    func checkVectorGELU(_ what: String) -> [Float] {
        let x = (0..<24_003).map { Float($0) * 0.001 - 12 }
        var y = [Float](repeating: 0, count: x.count), dx = y
        VectorGELU.apply(x, &y, count: x.count)
        let dy = [Float](repeating: 1, count: x.count)
        VectorGELU.gradient(dy, x, &dx, count: x.count)
        var worst = (value: 0.0, derivative: 0.0)
        for i in 0..<x.count {
            let v = Double(x[i])
            let gelu = 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
            let derivative = 0.5 * (1 + erf(v / 2.0.squareRoot())) + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            worst.value = max(worst.value, abs(Double(y[i]) - gelu) / max(1, abs(gelu)))
            worst.derivative = max(worst.derivative, abs(Double(dx[i]) - derivative))
        }
        XCTAssertLessThan(worst.value, 1e-6, "\(what): gelu")
        XCTAssertLessThan(worst.derivative, 1e-6, "\(what): gelu'")
        XCTAssertEqual(y[0], 0, accuracy: 1e-30, "\(what): gelu(-12) underflows to 0")
        XCTAssertEqual(y[x.count - 1], x[x.count - 1], "\(what): gelu(12) = 12")
        return y + dx
    }

    func testLossesMatchReference() {
        let logits = random([6, 5]), teacher = random([6, 5])
        let labels = Tensor(shape: [6], data: [0, 4, 2, 2, 1, 3])
        for kind in [LossKind.mimic, .mimicMean, .crossEntropy, .smoothedCrossEntropy(smoothing: 0.2), .kd(temperature: 3, alpha: 0.4)] {
            var gradient = [Float](repeating: 0, count: 30)
            let value = Losses.valueAndGradient(kind, logits: logits.data, teacher: teacher.data, labels: labels.data, batch: 6,
                                                classes: 5, gradient: &gradient)
            XCTAssertEqual(value, ReferenceLoss.value(kind, logits: logits, teacher: teacher, labels: labels), accuracy: 1e-6)
            assertElementsClose(gradient, ReferenceLoss.grad(kind, logits: logits, teacher: teacher, labels: labels).data, "\(kind)")
        }
        // The mean over 5 classes is the sum / 5, in value and gradient.
        let sum = ReferenceLoss.value(.mimic, logits: logits, teacher: teacher, labels: nil)
        XCTAssertEqual(ReferenceLoss.value(.mimicMean, logits: logits, teacher: teacher, labels: nil), sum / 5, accuracy: 1e-9)
        assertElementsClose(ReferenceLoss.grad(.mimicMean, logits: logits, teacher: teacher, labels: nil).data,
                            ReferenceLoss.grad(.mimic, logits: logits, teacher: teacher, labels: nil).data.map { $0 / 5 }, "mean / 5")
        // Label smoothing by hand: logits [ln 3, 0] give p = [0.75, 0.25]; smoothing 0.2 over two
        // classes makes the label-0 target [0.9, 0.1].
        let row = Tensor(shape: [1, 2], data: [Float(log(3.0)), 0]), label = Tensor(shape: [1], data: [0])
        let smoothed = LossKind.smoothedCrossEntropy(smoothing: 0.2)
        XCTAssertEqual(ReferenceLoss.value(smoothed, logits: row, teacher: nil, labels: label), -(0.9 * log(0.75) + 0.1 * log(0.25)), accuracy: 1e-6)
        assertElementsClose(ReferenceLoss.grad(smoothed, logits: row, teacher: nil, labels: label).data, [-0.15, 0.15], "smoothed gradient")
    }
}

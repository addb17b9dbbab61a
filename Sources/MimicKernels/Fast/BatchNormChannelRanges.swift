import MimicVocabulary

/// Batchnorm and its activation over a range of channels at once, the batch read image by
/// image. With NCHW, one channel's planes are an image apart; taking them one channel at a
/// time (the per-channel kernels) jumps a whole image between planes, which for the small
/// maps of late layers (7x7: 196 bytes a plane, 50 KB apart) leaves every plane a cache miss
/// the prefetchers do not foresee. Here each image's planes of the range are adjacent and
/// read in order. Every channel's sums still run over its planes in image order, each plane
/// summed as `PlaneSums` does, so the results are the per-channel kernels' bits.
extension BatchNormKernels {
    /// The training forward of batchnorm then `function` for channels `range`: statistics
    /// (mean, invStd, running statistics written), then out = act(a x + b) a plane at a time,
    /// `normalized` (if given) keeping a x + b.
    public static func forwardThroughActivation(
        channels range: Range<Int>, x: UnsafePointer<Float>, normalized: UnsafeMutablePointer<Float>?,
        out: UnsafeMutablePointer<Float>, batch n: Int, channels: Int, inner: Int, _ function: Activation,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, epsilon: Double, momentum: Double,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>
    ) {
        let count = range.count, first = range.lowerBound
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * count) { sums in
            let sum = sums.baseAddress!, squares = sum + count
            sum.initialize(repeating: 0, count: 2 * count)
            for b in 0..<n {
                for c in range { sum[c - first] += Double(PlaneSums.sum(x + (b * channels + c) * inner, count: inner)) }
            }
            let m = Double(n * inner)
            for b in 0..<n {
                for c in range {
                    let centre = Float(sum[c - first] / m)
                    squares[c - first] += Double(PlaneSums.centredSquares(x + (b * channels + c) * inner, count: inner, centre: centre))
                }
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * count) { affine in
                let a = affine.baseAddress!, shiftBy = a + count
                for c in range {
                    (a[c - first], shiftBy[c - first]) = finishStatistics(
                        c, mu: sum[c - first] / m, squares: squares[c - first], count: n * inner, scale: scale[c], shift: shift[c],
                        epsilon: epsilon, momentum: momentum, mean: mean, invStd: invStd, runningMean: runningMean,
                        runningVariance: runningVariance)
                }
                for b in 0..<n {
                    for c in range {
                        affineActivatePlane(x, normalized: normalized, out: out, offset: (b * channels + c) * inner,
                                            inner: inner, a: a[c - first], b: shiftBy[c - first], function)
                    }
                }
            }
        }
    }

    /// The gradient of batchnorm then `function` for channels `range` (see
    /// `gradChannelThroughActivation`): the activation's gradient into dx and its sums, then
    /// batchnorm's dx in place.
    public static func gradientThroughActivation(
        channels range: Range<Int>, dy: UnsafePointer<Float>, v: UnsafePointer<Float>, x: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, batch n: Int, channels: Int, inner: Int, _ function: Activation,
        scale: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
        dscale: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>
    ) {
        let count = range.count, first = range.lowerBound
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * count) { sums in
            let sumDy = sums.baseAddress!, sumDyXhat = sumDy + count
            sumDy.initialize(repeating: 0, count: 2 * count)
            for b in 0..<n {
                for c in range {
                    let offset = (b * channels + c) * inner
                    Elementwise.activationGrad(dy + offset, v + offset, dx + offset, count: inner, function)
                    let (planeDy, planeDyXhat) = planeSums(dx + offset, x + offset, inner: inner, mean: mean[c], invStd: invStd[c])
                    sumDy[c - first] += planeDy
                    sumDyXhat[c - first] += planeDyXhat
                }
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * count) { coefficients in
                let k = coefficients.baseAddress!, meanDy = k + count, meanDyXhat = meanDy + count
                for c in range {
                    (k[c - first], meanDy[c - first], meanDyXhat[c - first]) = gradientCoefficients(
                        c, count: n * inner, scale: scale[c], invStd: invStd[c], sumDy: sumDy[c - first],
                        sumDyXhat: sumDyXhat[c - first], dscale: dscale, dshift: dshift)
                }
                for b in 0..<n {
                    for c in range {
                        let offset = (b * channels + c) * inner
                        finishPlane(dx + offset, x + offset, dx + offset, inner: inner, k: k[c - first], meanDy: meanDy[c - first],
                                    meanDyXhat: meanDyXhat[c - first], mean: mean[c], invStd: invStd[c])
                    }
                }
            }
        }
    }
}

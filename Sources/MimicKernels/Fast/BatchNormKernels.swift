import MimicVocabulary

/// Batch normalisation over [N, C, inner] (NCHW, or [N, C] with inner 1), one channel at a
/// time, so that callers split channels over threads and every sum is one thread's, in a fixed
/// order. Sums accumulate in Double, as the reference does; the per-element work is a float
/// multiply-add with per-channel coefficients. Twins: `ReferenceBatchNorm`.
public enum BatchNormKernels {
    /// The training forward of channel `c`: its batch mean and inverse standard deviation
    /// (biased variance), y = (x - mean) * invStd * scale + shift, and the running
    /// statistics updated with weight `momentum` on the batch (unbiased variance).
    public static func forwardChannel(
        _ c: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch n: Int, channels: Int, inner: Int,
        scale: Float, shift: Float, epsilon: Double, momentum: Double,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>
    ) {
        let (a, b) = statistics(c, x: x, batch: n, channels: channels, inner: inner, scale: scale, shift: shift, epsilon: epsilon,
                                momentum: momentum, mean: mean, invStd: invStd, runningMean: runningMean, runningVariance: runningVariance)
        affine(c, x: x, y: y, batch: n, channels: channels, inner: inner, a: a, b: b)
    }

    /// The batch statistics of channel `c` (mean and inverse standard deviation written, the
    /// running statistics updated) and the affine map y = a x + b they give.
    public static func statistics(
        _ c: Int, x: UnsafePointer<Float>, batch n: Int, channels: Int, inner: Int,
        scale: Float, shift: Float, epsilon: Double, momentum: Double,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>
    ) -> (a: Float, b: Float) {
        let m = n * inner
        var sum = 0.0
        for b in 0..<n {
            let plane = x + (b * channels + c) * inner
            sum += Double(PlaneSums.sum(plane, count: inner))
        }
        let mu = sum / Double(m)
        var squares = 0.0
        for b in 0..<n {
            let plane = x + (b * channels + c) * inner
            squares += Double(PlaneSums.centredSquares(plane, count: inner, centre: Float(mu)))
        }
        return finishStatistics(c, mu: mu, squares: squares, count: m, scale: scale, shift: shift, epsilon: epsilon,
                                momentum: momentum, mean: mean, invStd: invStd, runningMean: runningMean,
                                runningVariance: runningVariance)
    }

    /// From a channel's mean and sum of centred squares over `count` values: its mean and
    /// inverse standard deviation written, the running statistics updated, and the affine map.
    @inline(__always)
    static func finishStatistics(
        _ c: Int, mu: Double, squares: Double, count m: Int, scale: Float, shift: Float, epsilon: Double, momentum: Double,
        mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>
    ) -> (a: Float, b: Float) {
        let variance = squares / Double(m)
        let inverse = 1 / (variance + epsilon).squareRoot()
        mean[c] = Float(mu)
        invStd[c] = Float(inverse)
        let correction = m > 1 ? Double(m) / Double(m - 1) : 1
        runningMean[c] = Float((1 - momentum) * Double(runningMean[c]) + momentum * mu)
        runningVariance[c] = Float((1 - momentum) * Double(runningVariance[c]) + momentum * variance * correction)
        return (Float(inverse * Double(scale)), Float(Double(shift) - mu * inverse * Double(scale)))
    }

    /// out = act(a x + b) over channel `c`'s planes, a plane at a time while it is in cache;
    /// `normalized` (if given) keeps a x + b, which an activation's gradient needs.
    public static func affineActivation(
        _ c: Int, x: UnsafePointer<Float>, normalized: UnsafeMutablePointer<Float>?, out: UnsafeMutablePointer<Float>,
        batch n: Int, channels: Int, inner: Int, a: Float, b: Float, _ function: Activation
    ) {
        for image in 0..<n {
            affineActivatePlane(x, normalized: normalized, out: out, offset: (image * channels + c) * inner, inner: inner,
                                a: a, b: b, function)
        }
    }

    /// One plane of out = act(a x + b) at `offset`, `normalized` (if given) keeping a x + b.
    @inline(__always)
    static func affineActivatePlane(
        _ x: UnsafePointer<Float>, normalized: UnsafeMutablePointer<Float>?, out: UnsafeMutablePointer<Float>, offset: Int,
        inner: Int, a: Float, b: Float, _ function: Activation
    ) {
        let source = x + offset, target = (normalized ?? out) + offset
        for i in 0..<inner { target[i] = a * source[i] + b }
        Elementwise.activate(function, target, out + offset, count: inner)
    }

    /// Inference for channel `c`: normalised with the running statistics.
    public static func inferenceChannel(
        _ c: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch n: Int, channels: Int, inner: Int,
        scale: Float, shift: Float, mean: Float, variance: Float, epsilon: Double
    ) {
        let (a, b) = inferenceAffine(scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
        affine(c, x: x, y: y, batch: n, channels: channels, inner: inner, a: a, b: b)
    }

    /// Inference batchnorm as y = a x + b from the running statistics.
    public static func inferenceAffine(scale: Float, shift: Float, mean: Float, variance: Float, epsilon: Double) -> (a: Float, b: Float) {
        let inverse = 1 / (Double(variance) + epsilon).squareRoot()
        return (Float(inverse * Double(scale)), Float(Double(shift) - Double(mean) * inverse * Double(scale)))
    }

    /// The gradient of channel `c`: dscale = sum dy * xhat, dshift = sum dy, and
    /// dx = scale * invStd / m * (m dy - dshift - xhat dscale).
    public static func gradChannel(
        _ c: Int, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, batch n: Int,
        channels: Int, inner: Int, scale: Float, mean: Float, invStd: Float,
        dscale: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>
    ) {
        var sumDy = 0.0, sumDyXhat = 0.0
        for b in 0..<n {
            let offset = (b * channels + c) * inner
            let (planeDy, planeDyXhat) = planeSums(dy + offset, x + offset, inner: inner, mean: mean, invStd: invStd)
            sumDy += planeDy
            sumDyXhat += planeDyXhat
        }
        finishGrad(c, dy: dy, x: x, dx: dx, batch: n, channels: channels, inner: inner, scale: scale, mean: mean, invStd: invStd,
                   sumDy: sumDy, sumDyXhat: sumDyXhat, dscale: dscale, dshift: dshift)
    }

    /// One plane's sum of dy and of dy xhat, in float (the plane is short), returned for the
    /// caller's Double sums.
    @inline(__always)
    static func planeSums(_ g: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, inner: Int, mean: Float, invStd: Float) -> (Double, Double) {
        let (dy, dyXhat) = PlaneSums.gradientSums(g, xs, count: inner, mean: mean, invStd: invStd)
        return (Double(dy), Double(dyXhat))
    }

    /// From the two sums: dscale, dshift and dx = k (dy - mean dy - xhat mean(dy xhat)); dx
    /// may be dy (the fused kernel's in-place pass).
    static func finishGrad(
        _ c: Int, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, batch n: Int,
        channels: Int, inner: Int, scale: Float, mean: Float, invStd: Float, sumDy: Double, sumDyXhat: Double,
        dscale: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>
    ) {
        let (k, meanDy, meanDyXhat) = gradientCoefficients(c, count: n * inner, scale: scale, invStd: invStd, sumDy: sumDy,
                                                           sumDyXhat: sumDyXhat, dscale: dscale, dshift: dshift)
        for b in 0..<n {
            let offset = (b * channels + c) * inner
            finishPlane(dy + offset, x + offset, dx + offset, inner: inner, k: k, meanDy: meanDy, meanDyXhat: meanDyXhat,
                        mean: mean, invStd: invStd)
        }
    }

    /// dscale and dshift of channel `c` written, and the coefficients of its dx.
    @inline(__always)
    static func gradientCoefficients(
        _ c: Int, count: Int, scale: Float, invStd: Float, sumDy: Double, sumDyXhat: Double,
        dscale: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>
    ) -> (k: Float, meanDy: Float, meanDyXhat: Float) {
        let m = Double(count)
        dscale[c] = Float(sumDyXhat)
        dshift[c] = Float(sumDy)
        return (Float(Double(scale) * Double(invStd)), Float(sumDy / m), Float(sumDyXhat / m))
    }

    /// One plane of dx = k (dy - mean dy - xhat mean(dy xhat)); `out` may be `g`.
    @inline(__always)
    static func finishPlane(
        _ g: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, inner: Int, k: Float,
        meanDy: Float, meanDyXhat: Float, mean: Float, invStd: Float
    ) {
        for i in 0..<inner {
            let xhat = (xs[i] - mean) * invStd
            out[i] = k * (g[i] - meanDy - xhat * meanDyXhat)
        }
    }

    /// The gradient of channel `c` of batchnorm followed by an activation, from the gradient
    /// `dy` of the activation's output and its input `v` (the normalised values): the
    /// activation's gradient is written into `dx` a plane at a time and summed while in cache,
    /// then turned into batchnorm's dx in place. The same sums in the same order as the two
    /// kernels apart, so the same bits.
    public static func gradChannelThroughActivation(
        _ c: Int, dy: UnsafePointer<Float>, v: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        batch n: Int, channels: Int, inner: Int, _ function: Activation, scale: Float, mean: Float, invStd: Float,
        dscale: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>
    ) {
        var sumDy = 0.0, sumDyXhat = 0.0
        for b in 0..<n {
            let offset = (b * channels + c) * inner
            Elementwise.activationGrad(dy + offset, v + offset, dx + offset, count: inner, function)
            let (planeDy, planeDyXhat) = planeSums(dx + offset, x + offset, inner: inner, mean: mean, invStd: invStd)
            sumDy += planeDy
            sumDyXhat += planeDyXhat
        }
        finishGrad(c, dy: dx, x: x, dx: dx, batch: n, channels: channels, inner: inner, scale: scale, mean: mean, invStd: invStd,
                   sumDy: sumDy, sumDyXhat: sumDyXhat, dscale: dscale, dshift: dshift)
    }

    /// y = a x + b over channel `c`'s planes.
    @inline(__always)
    static func affine(
        _ c: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch n: Int, channels: Int, inner: Int, a: Float, b: Float
    ) {
        for image in 0..<n {
            let offset = (image * channels + c) * inner
            let source = x + offset, target = y + offset
            for i in 0..<inner { target[i] = a * source[i] + b }
        }
    }
}

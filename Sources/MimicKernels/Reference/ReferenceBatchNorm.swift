/// Batch normalisation in training mode over the channel axis of [N,C,...]: statistics over
/// the batch and spatial positions, biased variance (as the forward pass normalises with it).
public enum ReferenceBatchNorm {
    public static func forward(_ x: Tensor, scale: Tensor, shift: Tensor, epsilon: Double)
        -> (y: Tensor, mean: Tensor, invStd: Tensor)
    {
        let (n, c) = (x.shape[0], x.shape[1])
        let inner = x.count / (n * c)
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        for i in 0..<x.count { mean[(i / inner) % c] += Double(x.data[i]) }
        let m = Double(n * inner)
        mean = mean.map { $0 / m }
        for i in 0..<x.count {
            let d = Double(x.data[i]) - mean[(i / inner) % c]
            variance[(i / inner) % c] += d * d
        }
        let invStd = variance.map { 1 / ($0 / m + epsilon).squareRoot() }
        var y = x
        for i in 0..<x.count {
            let ch = (i / inner) % c
            y.data[i] = Float((Double(x.data[i]) - mean[ch]) * invStd[ch] * Double(scale.data[ch]) + Double(shift.data[ch]))
        }
        return (y, Tensor(shape: [c], data: mean.map(Float.init)), Tensor(shape: [c], data: invStd.map(Float.init)))
    }

    /// Running statistics after one batch: an exponential average with weight `momentum` on
    /// the batch (PyTorch's convention), the variance unbiased over the batch's samples.
    public static func updateRunning(
        mean: Tensor, variance: Tensor, batchMean: Tensor, batchInvStd: Tensor, epsilon: Double, momentum: Double,
        samples: Int
    ) -> (mean: Tensor, variance: Tensor) {
        var newMean = mean, newVariance = variance
        let correction = samples > 1 ? Double(samples) / Double(samples - 1) : 1
        for c in 0..<mean.count {
            let invStd = Double(batchInvStd.data[c])
            let biased = 1 / (invStd * invStd) - epsilon
            newMean.data[c] = Float((1 - momentum) * Double(mean.data[c]) + momentum * Double(batchMean.data[c]))
            newVariance.data[c] = Float((1 - momentum) * Double(variance.data[c]) + momentum * biased * correction)
        }
        return (newMean, newVariance)
    }

    /// Inference: normalise with the running statistics.
    public static func inference(_ x: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Double) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let inner = x.count / (n * c)
        var y = x
        for i in 0..<x.count {
            let ch = (i / inner) % c
            let normalised = (Double(x.data[i]) - Double(mean.data[ch])) / (Double(variance.data[ch]) + epsilon).squareRoot()
            y.data[i] = Float(normalised * Double(scale.data[ch]) + Double(shift.data[ch]))
        }
        return y
    }

    public static func grad(_ dy: Tensor, x: Tensor, scale: Tensor, mean: Tensor, invStd: Tensor)
        -> (dx: Tensor, dscale: Tensor, dshift: Tensor)
    {
        let (n, c) = (x.shape[0], x.shape[1])
        let inner = x.count / (n * c)
        let m = Double(n * inner)
        var sumDy = [Double](repeating: 0, count: c), sumDyXhat = [Double](repeating: 0, count: c)
        for i in 0..<x.count {
            let ch = (i / inner) % c
            let xhat = (Double(x.data[i]) - Double(mean.data[ch])) * Double(invStd.data[ch])
            sumDy[ch] += Double(dy.data[i])
            sumDyXhat[ch] += Double(dy.data[i]) * xhat
        }
        var dx = x
        for i in 0..<x.count {
            let ch = (i / inner) % c
            let xhat = (Double(x.data[i]) - Double(mean.data[ch])) * Double(invStd.data[ch])
            let g = Double(scale.data[ch]) * Double(invStd.data[ch]) / m
            dx.data[i] = Float(g * (m * Double(dy.data[i]) - sumDy[ch] - xhat * sumDyXhat[ch]))
        }
        return (dx, Tensor(shape: [c], data: sumDyXhat.map(Float.init)), Tensor(shape: [c], data: sumDy.map(Float.init)))
    }
}

/// Gradient-norm clipping (`train.clip-grad-norm`), as PyTorch's `clip_grad_norm_`: when the
/// L2 norm of all gradients together exceeds `maxNorm`, every gradient is scaled by
/// maxNorm / norm. The norm is summed in Double in a fixed order, one thread, so it is the
/// same on every thread count (a 1M-parameter model takes about a millisecond).
public enum GradientClip {
    /// Clips in place; returns the norm before clipping.
    @discardableResult
    public static func apply(_ gradients: UnsafeMutableBufferPointer<Float>, maxNorm: Double) -> Double {
        var sum = 0.0
        for g in gradients { sum += Double(g) * Double(g) }
        let norm = sum.squareRoot()
        if norm > maxNorm, norm.isFinite {
            let scale = Float(maxNorm / norm)
            for i in gradients.indices { gradients[i] *= scale }
        }
        return norm
    }
}

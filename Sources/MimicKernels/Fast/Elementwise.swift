import Foundation
import MimicSpec

/// Element-wise epilogues and their gradients on raw buffers. The fast kernels call these on
/// data that is still in cache (one image's output, right after its GEMM).
public enum Elementwise {
    /// y = act(x + bias[channel]) in place over [C, inner].
    @inline(__always)
    public static func biasActivation(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, channels: Int, inner: Int, _ a: Activation
    ) {
        for c in 0..<channels {
            let row = y + c * inner
            let b = bias[c]
            switch a {
            case .relu: for i in 0..<inner { row[i] = max(0, row[i] + b) }
            case .none: for i in 0..<inner { row[i] += b }
            default: for i in 0..<inner { row[i] = ReferenceActivation.apply(a, row[i] + b) }
            }
        }
    }

    /// The same for a [N, features] matrix whose bias runs along the rows.
    @inline(__always)
    public static func rowBiasActivation(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, features: Int, _ a: Activation
    ) {
        for r in 0..<rows {
            let row = y + r * features
            switch a {
            case .relu: for i in 0..<features { row[i] = max(0, row[i] + bias[i]) }
            case .none: for i in 0..<features { row[i] += bias[i] }
            default: for i in 0..<features { row[i] = ReferenceActivation.apply(a, row[i] + bias[i]) }
            }
        }
    }

    /// dx = dy * act'(v) where v is y (relu, tanh, sigmoid) or x (gelu).
    @inline(__always)
    public static func activationGrad(
        _ dy: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int, _ a: Activation
    ) {
        switch a {
        case .relu: for i in 0..<count { dx[i] = v[i] > 0 ? dy[i] : 0 }
        case .none: dx.update(from: dy, count: count)
        default: for i in 0..<count { dx[i] = dy[i] * ReferenceActivation.derivative(a, from: v[i]) }
        }
    }

    /// db[c] += sum over [N, C, inner] of dy.
    @inline(__always)
    public static func accumulateChannelSums(
        _ dy: UnsafePointer<Float>, batch: Int, channels: Int, inner: Int, into db: UnsafeMutablePointer<Float>
    ) {
        for b in 0..<batch {
            for c in 0..<channels {
                let row = dy + (b * channels + c) * inner
                var sum: Float = 0
                for i in 0..<inner { sum += row[i] }
                db[c] += sum
            }
        }
    }
}

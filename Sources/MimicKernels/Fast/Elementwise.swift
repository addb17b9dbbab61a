import Foundation
import MimicVocabulary

/// Element-wise epilogues and their gradients on raw buffers. The fast kernels call these on
/// data that is still in cache (one image's output, right after its GEMM).
public enum Elementwise {
    /// An activation in float arithmetic (GELU with `erff` and `expf`, not the reference's
    /// double `erf`: a fifth of the time, within a few float ulps of the reference).
    @inline(__always)
    public static func activate(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .relu: return max(0, x)
        case .gelu: return 0.5 * x * (1 + erf(x * 0.70710678))
        case .tanh, .sigmoid, .none: return ReferenceActivation.apply(a, x)
        }
    }

    /// d activation / d input in float arithmetic, from y (relu, tanh, sigmoid) or x (gelu).
    @inline(__always)
    public static func derivative(_ a: Activation, from v: Float) -> Float {
        switch a {
        case .gelu: return 0.5 * (1 + erf(v * 0.70710678)) + v * 0.39894228 * exp(-0.5 * v * v)
        case .relu, .tanh, .sigmoid, .none: return ReferenceActivation.derivative(a, from: v)
        }
    }

    /// y = act(x + bias[channel]) in place over [C, inner].
    @inline(__always)
    public static func biasActivation(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, channels: Int, inner: Int, _ a: Activation
    ) {
        for c in 0..<channels {
            let row = y + c * inner
            let b = bias[c]
            switch a {
            case .relu: reluPlusBias(row, count: inner, bias: b)
            case .none: for i in 0..<inner { row[i] += b }
            case .gelu:
                for i in 0..<inner { row[i] += b }
                VectorGELU.apply(row, row, count: inner)
            default: for i in 0..<inner { row[i] = activate(a, row[i] + b) }
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
            case .relu: reluPlusBiasRow(row, bias: bias, count: features)
            case .none: for i in 0..<features { row[i] += bias[i] }
            case .gelu:
                for i in 0..<features { row[i] += bias[i] }
                VectorGELU.apply(row, row, count: features)
            default: for i in 0..<features { row[i] = activate(a, row[i] + bias[i]) }
            }
        }
    }

    /// dx = dy * act'(v) where v is y (relu, tanh, sigmoid) or x (gelu).
    @inline(__always)
    public static func activationGrad(
        _ dy: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int, _ a: Activation
    ) {
        switch a {
        case .relu: reluGrad(dy, v, dx, count: count)
        case .gelu: VectorGELU.gradient(dy, v, dx, count: count)
        case .none: dx.update(from: dy, count: count)
        default: for i in 0..<count { dx[i] = dy[i] * derivative(a, from: v[i]) }
        }
    }

    /// y = act(x) over `count` values (y may be x).
    @inline(__always)
    public static func activate(_ a: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch a {
        case .gelu: VectorGELU.apply(x, y, count: count)
        case .none: if UnsafePointer(y) != x { y.update(from: x, count: count) }
        default: for i in 0..<count { y[i] = activate(a, x[i]) }
        }
    }

    // ReLU and its gradient eight lanes at a time. Written as scalar code the compiler
    // branched on each sign, and on real data the signs are random: half the branches were
    // mispredicted and a ReLU gradient ran at 5 ns per element. Selects have no branches.

    /// x[i] = max(0, x[i] + bias), in place.
    @inline(__always)
    public static func reluPlusBias(_ x: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
        let b = SIMD8<Float>(repeating: bias), zero = SIMD8<Float>.zero
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + b
            raw.storeBytes(of: zero.replacing(with: v, where: v .> zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { let v = x[i] + bias; x[i] = v > 0 ? v : 0; i += 1 }
    }

    /// x[i] = max(0, x[i] + bias[i]), in place.
    @inline(__always)
    public static func reluPlusBiasRow(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int) {
        let zero = SIMD8<Float>.zero
        let raw = UnsafeMutableRawPointer(x), biases = UnsafeRawPointer(bias)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + biases.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: zero.replacing(with: v, where: v .> zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { let v = x[i] + bias[i]; x[i] = v > 0 ? v : 0; i += 1 }
    }

    /// dx[i] = v[i] > 0 ? dy[i] : 0 (dx may be dy).
    @inline(__always)
    public static func reluGrad(_ dy: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD8<Float>.zero
        let gradients = UnsafeRawPointer(dy), values = UnsafeRawPointer(v), out = UnsafeMutableRawPointer(dx)
        var i = 0
        while i + 8 <= count {
            let g = gradients.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let mask = values.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) .> zero
            out.storeBytes(of: zero.replacing(with: g, where: mask), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { dx[i] = v[i] > 0 ? dy[i] : 0; i += 1 }
    }

    /// db[c] += sum over [N, C, inner] of dy.
    @inline(__always)
    public static func accumulateChannelSums(
        _ dy: UnsafePointer<Float>, batch: Int, channels: Int, inner: Int, into db: UnsafeMutablePointer<Float>
    ) {
        if inner == 1 {
            // A dense layer's [N, units]: add whole rows, which vectorises.
            for b in 0..<batch {
                let row = dy + b * channels
                for c in 0..<channels { db[c] += row[c] }
            }
            return
        }
        for b in 0..<batch {
            for c in 0..<channels { db[c] += PlaneSums.sum(dy + (b * channels + c) * inner, count: inner) }
        }
    }
}

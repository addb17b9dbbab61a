import Foundation
import MimicVocabulary

/// Element-wise activations. The gradient of relu, tanh and sigmoid is computed from their
/// output y; gelu's (exact, with erf) from its input x, as the graph passes them.
public enum ReferenceActivation {
    public static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .relu: return max(0, x)
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + exp(-x))
        case .gelu: return Float(0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot())))
        case .none: return x
        }
    }

    /// d activation / d input, from y (relu, tanh, sigmoid) or x (gelu).
    public static func derivative(_ a: Activation, from v: Float) -> Float {
        switch a {
        case .relu: return v > 0 ? 1 : 0
        case .tanh: return 1 - v * v
        case .sigmoid: return v * (1 - v)
        case .gelu:
            let x = Double(v)
            let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot()))
            let pdf = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            return Float(cdf + x * pdf)
        case .none: return 1
        }
    }

    public static func forward(_ a: Activation, _ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: x.data.map { apply(a, $0) })
    }

    public static func grad(_ a: Activation, _ dy: Tensor, from v: Tensor) -> Tensor {
        Tensor(shape: dy.shape, data: zip(dy.data, v.data).map { $0 * derivative(a, from: $1) })
    }
}

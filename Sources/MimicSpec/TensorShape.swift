import MimicBasics

/// The shape of one image's activations. A channel or feature count is nil while it
/// depends on a `dependent` width that the budget solver has not fixed yet.
public enum TensorShape: Sendable, Equatable, CustomStringConvertible {
    case spatial(channels: Int?, height: Int, width: Int)
    case flat(features: Int?)

    public var description: String {
        func count(_ n: Int?) -> String { n.map(String.init) ?? "?" }
        switch self {
        case .spatial(let c, let h, let w): return "\(count(c))x\(h)x\(w)"
        case .flat(let f): return count(f)
        }
    }

    /// The number of values, when known.
    public var elementCount: Int? {
        switch self {
        case .spatial(let c, let h, let w): c.map { SaturatingCount.product($0, h, w) }
        case .flat(let f): f
        }
    }
}

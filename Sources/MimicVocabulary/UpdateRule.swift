/// How an optimizer turns gradients into a step, without the learning rate: the rate is a
/// schedule's business and is given to every step (PyTorch's conventions: weight decay added
/// to the gradient; SGD's velocity v = mu v + g and Nesterov's step g + mu v; Adam with bias
/// correction).
public enum UpdateRule: Sendable, Equatable {
    case sgd(momentum: Double, nesterov: Bool, weightDecay: Double)
    case adam(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double)

    public var weightDecay: Double {
        switch self {
        case .sgd(_, _, let decay), .adam(_, _, _, let decay): decay
        }
    }

    /// Floats of optimizer state per parameter: SGD's velocity, Adam's two moments.
    public var stateSlots: Int {
        switch self {
        case .sgd(let momentum, _, _): momentum > 0 ? 1 : 0
        case .adam: 2
        }
    }
}

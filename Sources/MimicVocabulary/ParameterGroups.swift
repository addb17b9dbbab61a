/// The two kinds of trained parameter that training treats apart: `weights` are the
/// matrices and filters (rank 2 and above); `biases` are the per-unit vectors: biases and
/// batchnorm scales and shifts (PyTorch recipes split their parameter groups the same way,
/// by `ndim < 2`).
public enum ParameterKind: String, Sendable, CaseIterable {
    case weights, biases

    public init(rank: Int) { self = rank >= 2 ? .weights : .biases }
}

/// What one kind's learning rate and weight decay are multiplied by.
public struct KindMultipliers: Sendable, Equatable {
    public var lr: Double
    public var weightDecay: Double

    public init(lr: Double = 1, weightDecay: Double = 1) {
        self.lr = lr
        self.weightDecay = weightDecay
    }
}

/// Per-kind multipliers of the optimizer's rate and weight decay, and whether the decay is
/// decoupled from the rate. Coupled (PyTorch's default), SGD adds `decay x w` to the
/// gradient, so a step shrinks a weight by rate x decay. Decoupled (the fast CIFAR-10
/// recipe's), it adds `decay / rate x w` with the kind's unscheduled rate, so a step shrinks
/// a weight by `decay` times the schedule's factor, whatever the kind's rate multiplier.
public struct ParameterGroups: Sendable, Equatable {
    public var multipliers: [ParameterKind: KindMultipliers]
    public var decoupledDecay: Bool

    public init(multipliers: [ParameterKind: KindMultipliers] = [:], decoupledDecay: Bool = false) {
        self.multipliers = multipliers
        self.decoupledDecay = decoupledDecay
    }

    public subscript(kind: ParameterKind) -> KindMultipliers { multipliers[kind] ?? KindMultipliers() }

    /// The rate multiplier and the coefficient added to the gradient (times the weight) for a
    /// kind, given the rule's decay and the optimizer's unscheduled rate.
    public func treatment(of kind: ParameterKind, decay: Double, baseRate: Double) -> (rate: Double, decay: Double) {
        let m = self[kind]
        let coefficient = decay * m.weightDecay
        return (m.lr, decoupledDecay ? coefficient / (baseRate * m.lr) : coefficient)
    }
}

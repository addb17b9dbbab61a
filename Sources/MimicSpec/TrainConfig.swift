import Foundation
import MimicBasics
import MimicVocabulary

/// The optimizer as a spec writes it: an update rule and its base learning rate (which the
/// schedule then moves).
public enum Optimizer: Sendable, Equatable {
    case sgd(lr: Double, momentum: Double, nesterov: Bool, weightDecay: Double)
    case adam(lr: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double)

    public var lr: Double {
        switch self {
        case .sgd(let lr, _, _, _), .adam(let lr, _, _, _, _): lr
        }
    }

    /// What the runtime needs: the rule without the rate.
    public var rule: UpdateRule {
        switch self {
        case .sgd(_, let momentum, let nesterov, let decay): .sgd(momentum: momentum, nesterov: nesterov, weightDecay: decay)
        case .adam(_, let beta1, let beta2, let epsilon, let decay): .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay)
        }
    }
}

public enum Schedule: Sendable, Equatable {
    case constant
    /// Multiply the rate by `factor` every `every` epochs.
    case step(every: Int, factor: Double)
    case cosine(minLRRatio: Double)
    /// The paper's rule: cut by `factor` after `patience` epochs without a validation gain,
    /// wait `cooldown` epochs between cuts, stop after `stopPatience` epochs without a gain
    /// or once the rate falls below `minLRRatio` times its start.
    case plateau(factor: Double, patience: Int, cooldown: Int, stopPatience: Int, minLRRatio: Double)
    /// Per step: up from `startRatio` times the rate to the rate over the first `warmup`
    /// fraction of all steps, then a cosine down to `minLRRatio` times the rate (PyTorch's
    /// OneCycleLR). With `momentum`, SGD's momentum moves the other way: from its high end
    /// down to its low end while the rate rises, and back up while it falls.
    case oneCycle(warmup: Double, startRatio: Double, minLRRatio: Double, momentum: MomentumCycle?)
    /// Per step: linearly up from `startRatio` times the rate to the rate over the first
    /// `warmup` fraction of all steps (a whole number of steps, rounded down), then linearly
    /// down towards `endRatio` times the rate, reached one step after the last (the fast
    /// CIFAR-10 recipe's).
    case warmupLinear(warmup: Double, startRatio: Double, endRatio: Double)
}

/// The range one-cycle moves SGD's momentum over (PyTorch's base and max momentum).
public struct MomentumCycle: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// Which checkpoint the test split scores: the best validation epoch's (the paper's, and
/// the default) or the last epoch's (a schedule that anneals to the end, as one-cycle does, and
/// references such as ../shared/bench/torch_student.py that test after the last epoch).
public enum TestedCheckpoint: String, Sendable, Equatable, CaseIterable {
    case best, last
}

/// Lookahead weight averaging (the fast CIFAR-10 recipe's): every `every` steps the weights
/// (and batchnorm's running statistics) move to an average that trails them,
/// `average = d x average + (1 - d) x weights`, with `d = decay^every x (step / steps)^power`,
/// so it barely trails early and strongly late; after the last step the weights become the
/// average.
public struct Lookahead: Sendable, Equatable {
    public var every: Int
    public var decay: Double
    public var power: Double

    public init(every: Int = 5, decay: Double = 0.95, power: Double = 3) {
        self.every = every
        self.decay = decay
        self.power = power
    }

    /// The blend's decay after global step `step` (1-based) of `total`, or nil when the
    /// step does not blend.
    public func decay(afterStep step: Int, of total: Int) -> Double? {
        guard step % every == 0 else { return nil }
        return Foundation.pow(decay, Double(every)) * Foundation.pow(Double(step) / Double(max(1, total)), power)
    }
}

/// Test-time augmentation: the logits a network gives an image are the mean over views of it
/// (the fast CIFAR-10 recipe's). `flip`: the image and its mirror. `flipShift`: also the
/// image shifted one pixel down-right and one up-left (borders reflected), each with its
/// mirror; the shifted four weigh half as much as the first two.
public enum TestTimeAugmentation: String, Sendable, Equatable, CaseIterable {
    case none
    case flip
    case flipShift = "flip-shift"
}

public struct TrainConfig: Sendable, Equatable {
    public var loss: LossKind
    public var lossLocation: SourceLocation
    public var optimizer: Optimizer
    /// Per-kind rate and decay multipliers, and decoupled decay (`sgd.multipliers`,
    /// `sgd.decoupled-decay`).
    public var groups = ParameterGroups()
    /// The initialisation and the scale it is multiplied by.
    public var initScheme: InitScheme = .glorot
    public var initScale: Double
    public var batch: Int
    public var epochs: Int
    public var schedule: Schedule
    public var seed: Int
    public var tested: TestedCheckpoint = .best
    public var lookahead: Lookahead?
    /// The views the test split (and exported logits) average; validation uses the image alone.
    public var tta: TestTimeAugmentation = .none
    /// nil means all cores.
    public var threads: Int?
    /// Scale each step's gradient down to this L2 norm (over all parameters) when it is
    /// larger: a spike cannot throw the weights out of the basin. nil: no clipping.
    public var clipGradientNorm: Double?
    public var location: SourceLocation
}

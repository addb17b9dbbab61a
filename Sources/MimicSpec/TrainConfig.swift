import MimicBasics

public enum Loss: Sendable, Equatable {
    /// Mean over the batch of the squared L2 distance to the teacher's logits.
    case mimic
    case crossEntropy
    /// Knowledge distillation: alpha weights the soft term (scaled by T²) against hard labels.
    case kd(temperature: Double, alpha: Double)

    /// Whether this loss needs a teacher's logits.
    public var needsTeacher: Bool {
        switch self {
        case .mimic, .kd: true
        case .crossEntropy: false
        }
    }
}

public enum Optimizer: Sendable, Equatable {
    case sgd(lr: Double, momentum: Double, nesterov: Bool, weightDecay: Double)
    case adam(lr: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double)
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
    /// OneCycleLR without momentum cycling).
    case oneCycle(warmup: Double, startRatio: Double, minLRRatio: Double)
}

public struct TrainConfig: Sendable, Equatable {
    public var loss: Loss
    public var lossLocation: SourceLocation
    public var optimizer: Optimizer
    /// Glorot (Xavier) uniform initialisation, multiplied by this scale.
    public var initScale: Double
    public var batch: Int
    public var epochs: Int
    public var schedule: Schedule
    public var seed: Int
    /// nil means all cores.
    public var threads: Int?
    public var location: SourceLocation
}

/// MimicGraph is the graph IR that a checked model lowers to, and its op kinds: values and
/// ops, the verifier and printer, reverse-mode differentiation, folding and fusion. Each op
/// kind (`Ops/`) carries its shape rule, FLOPs, reference twin, autodiff rule and the binding
/// of its fast kernel (`Kernels/`, against `KernelContext`). It sits on the kernels and the
/// vocabulary and knows nothing of the spec language.

import MimicBasics

public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var index: Int
    public init(_ index: Int) { self.index = index }
    public var description: String { "%\(index)" }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
}

/// What a value is, which decides where it lives: parameters and their gradients in their
/// own contiguous blocks, everything batched in the planned activation arena.
public enum ValueRole: Sendable, Equatable {
    /// The input images of a batch.
    case input
    /// The regression or classification target of a batch (teacher logits or labels).
    case target
    case parameter
    /// Persistent but not trained (batchnorm's running mean and variance): the op that
    /// reads it in training also updates it in place.
    case state
    /// A per-example tensor computed from the input.
    case activation
    /// Saved for the backward pass only (pool argmax, dropout mask), one per example.
    case saved
    /// Computed over the whole batch (batchnorm's mean and inverse standard deviation).
    case batchStatistic
    /// The gradient of the loss with respect to another value.
    case gradient(of: ValueID)
    /// The batch's mean loss, a scalar.
    case loss
}

/// How a parameter or state value starts, as its layer says.
public enum ValueInit: Sendable, Equatable {
    /// The run's initialisation scheme for weights and biases; 0 for state.
    case scheme
    /// Every entry 1 (a batchnorm scale, a running variance).
    case one
    /// A convolution's identity (PyTorch's `dirac_` on its first min(filters, channels)
    /// filters: filter f passes input channel f through its centre tap); the other filters by
    /// the scheme.
    case dirac
    /// A first convolution's filters that whiten its input patches: over the first `images`
    /// training images (as the network sees them, before augmentation), the eigenvectors of
    /// the covariance of every kernel-sized patch, each scaled by 1 / sqrt(eigenvalue +
    /// `epsilon`), then the same filters negated. Computed by the trainer, which has the data;
    /// elsewhere (benchmarks) the scheme's values stand in.
    case whitening(epsilon: Double, images: Int)
}

/// A typed value: its shape, and the spec location it comes from.
public struct Value: Sendable, Equatable {
    public var id: ValueID
    /// `conv1.weight`, `conv1.out`, `d.conv1.out`, ...
    public var name: String
    /// Per example for batched values (the batch dimension is added by the plan);
    /// the whole tensor for parameters and the loss.
    public var shape: [Int]
    public var role: ValueRole
    public var origin: SourceLocation
    public var initialization: ValueInit = .scheme

    public var elementCount: Int { shape.reduce(1, *) }
}

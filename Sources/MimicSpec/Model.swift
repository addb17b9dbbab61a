/// MimicSpec is the second stage of the pipeline: it lowers located YAML nodes (after
/// `extends` is resolved) into the typed spec AST below, collecting every diagnostic.

import MimicBasics
import MimicVocabulary

/// A layer width: a number, or `dependent`, solved later so the model meets its budget.
public enum Width: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    case dependent

    public var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .dependent: "dependent"
        }
    }
}

public enum Padding: Sendable, Equatable, CustomStringConvertible {
    /// Output has the input's spatial size (odd kernels, stride 1).
    case same
    /// No padding.
    case valid
    /// This many zeros on every side.
    case explicit(Int)

    public var description: String {
        switch self {
        case .same: "same"
        case .valid: "valid"
        case .explicit(let n): "\(n)"
        }
    }
}

/// Where a model's layers start; `nowhere` is for ASTs built in code and for comparing
/// ASTs by structure alone.
extension SourceLocation {
    public static let nowhere = SourceLocation(file: "", line: 0, column: 0)
}

public struct Conv: Sendable, Equatable {
    public var filters: Width
    public var kernel: Int
    public var stride: Int
    public var padding: Padding
    public var activation: Activation
    public var location: SourceLocation
    /// Where the kernel size was written, or the layer when it was not.
    public var kernelLocation: SourceLocation

    public init(
        filters: Width, kernel: Int = 3, stride: Int = 1, padding: Padding = .same,
        activation: Activation = .relu, location: SourceLocation = .nowhere,
        kernelLocation: SourceLocation? = nil
    ) {
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.location = location
        self.kernelLocation = kernelLocation ?? location
    }
}

public struct MaxPool: Sendable, Equatable {
    public var size: Int
    public var stride: Int
    public var location: SourceLocation

    public init(size: Int = 2, stride: Int? = nil, location: SourceLocation = .nowhere) {
        self.size = size
        self.stride = stride ?? size
        self.location = location
    }
}

/// A fully connected layer with an activation (ReLU unless stated).
public struct Dense: Sendable, Equatable {
    public var units: Width
    public var activation: Activation
    public var location: SourceLocation

    public init(units: Width, activation: Activation = .relu, location: SourceLocation = .nowhere) {
        self.units = units
        self.activation = activation
        self.location = location
    }
}

/// A linear bottleneck: fully connected, no activation (Ba and Caruana's trick to train
/// wide shallow students; it folds into the next layer's weights after training).
public struct Linear: Sendable, Equatable {
    public var units: Width
    public var location: SourceLocation

    public init(units: Width, location: SourceLocation = .nowhere) {
        self.units = units
        self.location = location
    }
}

public struct Dropout: Sendable, Equatable {
    public var rate: Double
    public var location: SourceLocation

    public init(rate: Double, location: SourceLocation = .nowhere) {
        self.rate = rate
        self.location = location
    }
}

/// Batch normalisation, then an optional activation, so that conv-batchnorm-activation is
/// written as a conv with `activation: none` followed by `batchnorm: {activation: relu}`.
public struct BatchNorm: Sendable, Equatable {
    public var epsilon: Double
    public var momentum: Double
    public var activation: Activation
    public var location: SourceLocation

    public init(epsilon: Double = 1e-5, momentum: Double = 0.1, activation: Activation = .none, location: SourceLocation = .nowhere) {
        self.epsilon = epsilon
        self.momentum = momentum
        self.activation = activation
        self.location = location
    }
}

public struct Flatten: Sendable, Equatable {
    public var location: SourceLocation

    public init(location: SourceLocation = .nowhere) { self.location = location }
}

/// One layer of a model, one case per kind. The output layer (`classes` linear units)
/// is implicit and never appears here.
public enum Layer: Sendable, Equatable {
    case conv(Conv)
    case maxpool(MaxPool)
    case flatten(Flatten)
    case dense(Dense)
    case linear(Linear)
    case dropout(Dropout)
    case batchnorm(BatchNorm)

    /// The spec keyword of this layer kind.
    public var keyword: String {
        switch self {
        case .conv: "conv"
        case .maxpool: "maxpool"
        case .flatten: "flatten"
        case .dense: "dense"
        case .linear: "linear"
        case .dropout: "dropout"
        case .batchnorm: "batchnorm"
        }
    }

    public var location: SourceLocation {
        switch self {
        case .conv(let l): l.location
        case .maxpool(let l): l.location
        case .flatten(let l): l.location
        case .dense(let l): l.location
        case .linear(let l): l.location
        case .dropout(let l): l.location
        case .batchnorm(let l): l.location
        }
    }

    /// The layer's width, for the kinds that have one.
    public var width: Width? {
        switch self {
        case .conv(let l): l.filters
        case .dense(let l): l.units
        case .linear(let l): l.units
        default: nil
        }
    }

    /// The same layer with every location erased, to compare layers by structure.
    public var withoutLocations: Layer {
        switch self {
        case .conv(var l):
            l.location = .nowhere
            l.kernelLocation = .nowhere
            return .conv(l)
        case .maxpool(var l):
            l.location = .nowhere
            return .maxpool(l)
        case .flatten:
            return .flatten(Flatten())
        case .dense(var l):
            l.location = .nowhere
            return .dense(l)
        case .linear(var l):
            l.location = .nowhere
            return .linear(l)
        case .dropout(var l):
            l.location = .nowhere
            return .dropout(l)
        case .batchnorm(var l):
            l.location = .nowhere
            return .batchnorm(l)
        }
    }
}

/// A parameter budget: the count the model must meet, within a relative tolerance.
public struct Budget: Sendable, Equatable {
    public var params: Int
    /// A fraction: 0.005 for "0.5%". The default, 1%, is met by a whole dependent width in
    /// every row of the paper's Table 3 (a width lands within half its slope of the budget).
    public var tolerance: Double
    public var location: SourceLocation

    public init(params: Int, tolerance: Double = 0.01, location: SourceLocation = .nowhere) {
        self.params = params
        self.tolerance = tolerance
        self.location = location
    }
}

public struct Model: Sendable, Equatable {
    /// Channels, height, width.
    public var input: [Int]
    public var inputLocation: SourceLocation
    public var classes: Int
    public var layers: [Layer]
    public var budget: Budget?
    /// The compact architecture string, when the layers were written that way.
    public var architecture: String?
    public var location: SourceLocation

    public init(
        input: [Int] = [3, 32, 32], inputLocation: SourceLocation = .nowhere, classes: Int = 10, layers: [Layer],
        budget: Budget? = nil, architecture: String? = nil, location: SourceLocation = .nowhere
    ) {
        self.input = input
        self.inputLocation = inputLocation
        self.classes = classes
        self.layers = layers
        self.budget = budget
        self.architecture = architecture
        self.location = location
    }
}

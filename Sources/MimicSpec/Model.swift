/// MimicSpec is the spec language: it lowers located YAML nodes (after `extends` is
/// resolved) into the typed spec AST below, collecting every diagnostic. Each layer kind
/// (`Layers/`, `LayerKind`) says how it is written, what it does to shapes and what it costs,
/// and which graph ops it lowers to.

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

/// Where a model's layers start; `nowhere` is for ASTs built in code and for comparing
/// ASTs by structure alone.
extension SourceLocation {
    public static let nowhere = SourceLocation(file: "", line: 0, column: 0)
}

/// One layer of a model, one case per kind; each kind's rules are its struct's
/// (`Sources/MimicSpec/Layers/`, `LayerKind`). The output layer (`classes` linear units) is
/// implicit and never appears here. A new kind is a case, a line in `kind` and a line in
/// `kinds`.
public enum Layer: Sendable, Equatable {
    case conv(Conv)
    case maxpool(MaxPool)
    case flatten(Flatten)
    case dense(Dense)
    case linear(Linear)
    case dropout(Dropout)
    case batchnorm(BatchNorm)
    case scale(Scale)

    /// Every kind, in the order the schema lists them.
    public static let kinds: [any LayerKind.Type] = [
        Conv.self, MaxPool.self, Flatten.self, Dense.self, Linear.self, Dropout.self, BatchNorm.self, Scale.self,
    ]

    /// The layer's kind, which holds its rules.
    public var kind: any LayerKind {
        switch self {
        case .conv(let l): l
        case .maxpool(let l): l
        case .flatten(let l): l
        case .dense(let l): l
        case .linear(let l): l
        case .dropout(let l): l
        case .batchnorm(let l): l
        case .scale(let l): l
        }
    }

    /// The spec keyword of this layer kind.
    public var keyword: String { kind.keyword }

    public var location: SourceLocation { kind.location }

    /// The layer's width, for the kinds that have one.
    public var width: Width? { (kind as? any WidthLayerKind)?.width }

    /// The same layer with its width fixed (the kind must have one).
    public func with(width: Int) -> Layer {
        guard let sized = kind as? any WidthLayerKind else { preconditionFailure("internal error: \(keyword) has no width") }
        return sized.with(width: width).layer
    }

    /// The same layer with every location erased, to compare layers by structure.
    public var withoutLocations: Layer { kind.withoutLocations.layer }
}

extension Width {
    /// The width when it is a number.
    public var fixedValue: Int? {
        if case .fixed(let n) = self { return n }
        return nil
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

/// The implicit output layer, `classes` linear units: with a bias unless `bias: false`, and
/// its logits multiplied by `scale` when one is given (the fast CIFAR-10 recipe's 1/9).
public struct OutputLayer: Sendable, Equatable {
    public var bias: Bool
    public var scale: Double?
    public var location: SourceLocation

    public init(bias: Bool = true, scale: Double? = nil, location: SourceLocation = .nowhere) {
        self.bias = bias
        self.scale = scale
        self.location = location
    }

    /// The layers it stands for, after the model's own: the dense output, then the scale.
    public func layers(classes: Int, at model: SourceLocation) -> [Layer] {
        [.dense(Dense(units: .fixed(classes), activation: .none, bias: bias, location: model))]
            + (scale.map { [.scale(Scale(factor: $0, location: location))] } ?? [])
    }
}

public struct Model: Sendable, Equatable {
    /// Channels, height, width.
    public var input: [Int]
    public var inputLocation: SourceLocation
    public var classes: Int
    /// Where `classes` is written (the model's location when it is not).
    public var classesLocation: SourceLocation
    /// Whether the spec wrote `input` and `classes`; what it leaves out comes from the data set
    /// (`DataShapes`), or is the CIFAR default.
    public var inputGiven = true
    public var classesGiven = true
    public var layers: [Layer]
    public var budget: Budget?
    public var output: OutputLayer
    /// The compact architecture string, when the layers were written that way.
    public var architecture: String?
    public var location: SourceLocation

    /// The model's layers and then the implicit output layer's (`OutputLayer.layers`).
    public var layersWithOutput: [Layer] { layers + output.layers(classes: classes, at: location) }

    public init(
        input: [Int] = [3, 32, 32], inputLocation: SourceLocation = .nowhere, classes: Int = 10, layers: [Layer],
        budget: Budget? = nil, output: OutputLayer = OutputLayer(), architecture: String? = nil,
        location: SourceLocation = .nowhere
    ) {
        self.output = output
        self.input = input
        self.inputLocation = inputLocation
        self.classes = classes
        self.classesLocation = location
        self.layers = layers
        self.budget = budget
        self.architecture = architecture
        self.location = location
    }
}

import MimicBasics

public enum SearchMethod: String, Sendable, CaseIterable {
    case bayes, random, grid
}

public enum SearchObjective: String, Sendable, CaseIterable {
    case validationAccuracy = "validation-accuracy"
}

/// The distribution one searched value is drawn from.
public enum Distribution: Sendable, Equatable {
    case uniform(Double, Double)
    case logUniform(Double, Double)
    case int(Int, Int)
    case choice([ChoiceValue])

    /// The spec keyword of this distribution.
    public var keyword: String {
        switch self {
        case .uniform: "uniform"
        case .logUniform: "log-uniform"
        case .int: "int"
        case .choice: "choice"
        }
    }
}

/// A choice value: kept as written, so `choice: [64, 128]` stays integral.
public enum ChoiceValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
}

public struct SearchDimension: Sendable, Equatable {
    /// A path into the spec: `train.optimizer.sgd.lr`, `model.layers[0].conv.filters`.
    public var path: String
    public var distribution: Distribution
    public var location: SourceLocation

    public init(path: String, distribution: Distribution, location: SourceLocation) {
        self.path = path
        self.distribution = distribution
        self.location = location
    }
}

public struct Search: Sendable, Equatable {
    public var method: SearchMethod
    public var trials: Int
    public var objective: SearchObjective
    public var top: Int
    public var seed: Int
    public var space: [SearchDimension]
    public var location: SourceLocation
}

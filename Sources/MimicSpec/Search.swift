import MimicBasics
import MimicYAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

extension Distribution {
    /// Where a value of the spec lies in the unit cube this distribution maps from (a
    /// discrete value at the centre of its cell), or nil when the distribution cannot
    /// produce it: outside the range, or not one of the choices.
    public func unit(of node: Node) -> Double? {
        switch self {
        case .uniform(let lo, let hi):
            guard let v = node.double, v >= lo, v <= hi else { return nil }
            return (v - lo) / (hi - lo)
        case .logUniform(let lo, let hi):
            guard let v = node.double, v >= lo, v <= hi else { return nil }
            return (log(v) - log(lo)) / (log(hi) - log(lo))
        case .int(let lo, let hi):
            guard let v = node.int, v >= lo, v <= hi else { return nil }
            return (Double(v - lo) + 0.5) / Double(hi - lo + 1)
        case .choice(let values):
            let text = node.scalar?.text
            guard let i = values.firstIndex(where: { choice in
                switch choice {
                case .int(let c): node.int == c
                case .double(let c): node.double == c
                case .bool(let c): node.bool == c
                case .string(let c): text == c
                }
            }) else { return nil }
            return (Double(i) + 0.5) / Double(values.count)
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

/// Multi-fidelity search (successive halving; Hyperband with more than one bracket): trials
/// train a few epochs first, and only the best fraction of each rung goes on to train more,
/// continuing from its checkpoint under the schedule of the full `train.epochs`.
public struct Fidelity: Sendable, Equatable {
    /// The epochs of the first rung.
    public var minEpochs: Int
    /// Each rung trains `reduction` times the epochs of the one before and keeps the best
    /// 1/`reduction` of its trials.
    public var reduction: Int
    /// 1: successive halving. More: Hyperband's brackets, each starting one rung later with
    /// fewer trials, from the most aggressive to the most conservative.
    public var brackets: Int
    public var location: SourceLocation

    public init(minEpochs: Int, reduction: Int, brackets: Int, location: SourceLocation) {
        self.minEpochs = minEpochs
        self.reduction = reduction
        self.brackets = brackets
        self.location = location
    }

    /// The epochs at which rungs end, the last being the full run: min-epochs times
    /// reduction^k while another reduction still fits, then `epochs`. With min-epochs 2,
    /// reduction 3 and 20 epochs: 2, 6, 20.
    public func rungs(epochs: Int) -> [Int] {
        var rungs: [Int] = []
        var e = minEpochs
        while e < epochs, e.multipliedReportingOverflow(by: reduction).partialValue <= epochs, e > 0 {
            rungs.append(e)
            let (next, overflow) = e.multipliedReportingOverflow(by: reduction)
            if overflow { break }
            e = next
        }
        return rungs + [epochs]
    }
}

/// Where a search starts: at random points, or with the spec's own values as trial 0.
public enum SearchStart: String, Sendable, CaseIterable {
    case random, spec
}

/// Which seed each trial trains with.
public enum TrialSeeds: String, Sendable, CaseIterable {
    /// Each trial's own seed, drawn from the search's seed and the trial's index: a search is
    /// not a lottery on one initialisation and one batch order.
    case perTrial = "per-trial"
    /// Every trial uses the spec's `train.seed`.
    case spec
}

public struct Search: Sendable, Equatable {
    public var method: SearchMethod
    public var trials: Int
    public var objective: SearchObjective
    public var top: Int
    public var seed: Int
    public var space: [SearchDimension]
    public var fidelity: Fidelity?
    public var start: SearchStart
    public var seeds: TrialSeeds
    public var location: SourceLocation
}

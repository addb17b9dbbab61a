import MimicSearch
import MimicSema
import MimicSpec

/// One spec of a study: a search (or a single run when the spec has no `search`) whose
/// trials are the study's unit of work. Identified by the content hash of its resolved spec,
/// so two files that resolve to the same spec are one experiment.
public struct Experiment: Sendable {
    public var file: String
    public var spec: Spec
    /// The model at the spec's own values (the search's defaults).
    public var analysis: ModelAnalysis
    public var hash: String
    public var family: String
    public var role: StudyTag.Role
    public var budget: Int?
    /// Trials to run: the search's, capped at the grid's size (across a multi-fidelity
    /// search's brackets); 1 without a search.
    public var trials: Int { schedule.trialCount }
    /// Which trials train how many epochs: brackets and rungs (one of each without
    /// `search.fidelity`).
    public var schedule: RungSchedule

    public var name: String { spec.name }

    /// Forward FLOPs per image at the spec's own widths.
    public var flopsPerImage: Int { analysis.flops }

    /// Training FLOPs for all trials: forward and backward (about three forward passes) over
    /// the training images, a forward pass over the validation images, each epoch the
    /// schedule trains (every rung in full, as if nothing stopped early).
    public var trainingFlops: Double {
        guard spec.train != nil else { return 0 }
        return flopsPerEpoch * Double(schedule.totalEpochs)
    }

    /// One epoch's FLOPs: training and validation.
    public var flopsPerEpoch: Double {
        guard let data = spec.data else { return 0 }
        return Double(flopsPerImage) * (3 * Double(data.train) + Double(data.validation))
    }
}

extension Budget {
    /// `1M`, `3.16M`, `31.6M`, `250k`: how the paper and the report write budgets.
    public static func label(_ params: Int) -> String {
        func trim(_ value: Double) -> String {
            var text = String(format: "%.2f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        if params >= 1_000_000 { return trim(Double(params) / 1e6) + "M" }
        if params >= 1_000 { return trim(Double(params) / 1e3) + "k" }
        return "\(params)"
    }
}

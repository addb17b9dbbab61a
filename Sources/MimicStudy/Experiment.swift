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
    /// Trials to run: the search's, capped at the grid's size; 1 without a search.
    public var trials: Int

    public var name: String { spec.name }

    /// Forward FLOPs per image at the spec's own widths.
    public var flopsPerImage: Int { analysis.flops }

    /// Training FLOPs for all trials: forward and backward (about three forward passes) over
    /// the training images, a forward pass over the validation images, each epoch.
    public var trainingFlops: Double {
        guard let data = spec.data, let train = spec.train else { return 0 }
        let perEpoch = 3 * Double(data.train) + Double(data.validation)
        return Double(flopsPerImage) * perEpoch * Double(train.epochs) * Double(trials)
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

import Foundation
import MimicDriver
import MimicSpec
import MimicStore

/// What a study will cost on this machine: each experiment's training FLOPs (FLOPs per
/// image x images x epochs x trials) over the throughput a short probe measures here.
public struct CostEstimate: Sendable {
    /// One measurement: the spec the probe trained, its images/s, and the FLOP rate.
    public struct Probe: Sendable {
        public var file: String
        public var imagesPerSecond: Double
        public var flopsPerSecond: Double
    }

    /// Convolutional and fully connected networks reach very different fractions of the
    /// machine's peak, so each kind gets its own probe.
    public var convolutional: Probe?
    public var dense: Probe?
    public var threads: Int

    /// Trains, for each kind, the median experiment (by FLOPs per image) for a few steps of
    /// random data.
    public static func probe(_ plan: StudyPlan, threads: Int, steps: Int = 3) -> CostEstimate? {
        func measure(_ experiments: [Experiment]) -> Probe? {
            let candidates = experiments.filter { $0.spec.train != nil }.sorted { $0.flopsPerImage < $1.flopsPerImage }
            guard !candidates.isEmpty else { return nil }
            let chosen = candidates[candidates.count / 2]
            var options = Bench.Options()
            options.steps = steps
            options.warmup = 1
            options.threads = threads
            options.batch = chosen.spec.train?.batch
            guard let result = Bench.run(chosen.file, options: options).result, result.medianStep > 0 else { return nil }
            return Probe(file: chosen.file, imagesPerSecond: result.imagesPerSecond,
                         flopsPerSecond: 3 * Double(chosen.flopsPerImage) * result.imagesPerSecond)
        }
        let estimate = CostEstimate(convolutional: measure(plan.experiments.filter(\.isConvolutional)),
                                    dense: measure(plan.experiments.filter { !$0.isConvolutional }), threads: threads)
        return estimate.convolutional == nil && estimate.dense == nil ? nil : estimate
    }

    public var probes: [Probe] { [convolutional, dense].compactMap { $0 } }

    public func seconds(_ e: Experiment, remainingTrials: Int) -> Double? {
        guard e.trials > 0, let probe = (e.isConvolutional ? convolutional : dense) ?? convolutional ?? dense else { return nil }
        return e.trainingFlops / Double(e.trials) * Double(remainingTrials) / probe.flopsPerSecond
    }
}

extension Experiment {
    var isConvolutional: Bool {
        analysis.model.layers.contains { if case .conv = $0 { return true } else { return false } }
    }
}

/// `mimicc study run --dry-run` and the header of a real run: one line per experiment.
public enum PlanRenderer {
    public static func render(_ plan: StudyPlan, trials: [TrialRecord], estimate: CostEstimate?, jobs: Int) -> String {
        var out = "study \(plan.directory): \(plan.experiments.count) experiment(s), "
        out += "\(plan.experiments.reduce(0) { $0 + $1.trials }) trial(s)\n"
        for (skipped, kept) in plan.duplicates { out += "  \(skipped): same spec as \(kept), skipped\n" }
        let header = ["spec", "family", "role", "budget", "params", "GFLOP/img", "trials", "done", "estimate"]
        var rows: [[String]] = []
        var total = 0.0
        for e in plan.experiments {
            let finished = trials.count { $0.experiment == e.hash && $0.status != .running }
            let remaining = max(0, e.trials - finished)
            let seconds = estimate?.seconds(e, remainingTrials: remaining) ?? nil
            total += seconds ?? 0
            rows.append([e.file, e.family, e.role.rawValue, e.budget.map { Budget.label($0) } ?? "-", "\(e.analysis.params)",
                         String(format: "%.3f", Double(e.flopsPerImage) / 1e9), "\(e.trials)", "\(finished)",
                         seconds.map { SharedState.duration($0) } ?? "?"])
        }
        let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ fields: [String]) -> String {
            "  " + fields.enumerated().map { i, s in i == 0 || i == 1 || i == 2 ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - s.count) + s }.joined(separator: "  ") + "\n"
        }
        out += line(header)
        for row in rows { out += line(row) }
        if let estimate {
            for probe in estimate.probes {
                out += String(format: "throughput probe: %@ trains at %.0f img/s on %d thread(s), %.1f GFLOP/s\n",
                              probe.file, probe.imagesPerSecond, estimate.threads, probe.flopsPerSecond / 1e9)
            }
            out += "estimated time for the remaining trials: \(SharedState.duration(total)) on one machine"
            if jobs > 1 { out += " (jobs share its cores, so --jobs does not shorten it much)" }
            out += "\n"
        }
        return out
    }
}

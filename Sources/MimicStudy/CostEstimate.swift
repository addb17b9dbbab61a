import Foundation
import MimicData
import MimicDriver
import MimicSpec
import MimicStore

/// What a study will cost on this machine: each experiment's epochs (every rung of its
/// search, as if nothing stopped early) at the training speed a short probe of that
/// experiment measures here. Networks reach very different fractions of the machine's FLOP
/// rate (in one dry run of the 1M column: 123 GFLOP/s for the one-conv student, 218 for the
/// three-conv one, 227 for the four-conv one), so every experiment is probed, not scaled
/// from another's rate.
public struct CostEstimate: Sendable {
    /// One measurement: the experiment's training images per second.
    public struct Probe: Sendable {
        public var file: String
        public var imagesPerSecond: Double
    }

    /// By experiment hash.
    public var probes: [String: Probe]
    public var threads: Int
    /// Seconds the probes took.
    public var probeSeconds: Double

    /// Trains each experiment for `steps` steps of random data at its batch (after one
    /// warm-up step) and keeps the median step's speed.
    public static func probe(_ plan: StudyPlan, threads: Int, steps: Int = 6) -> CostEstimate? {
        let started = Date()
        var probes: [String: Probe] = [:]
        for e in plan.experiments where e.spec.train != nil {
            var options = Bench.Options()
            options.steps = steps
            options.warmup = 1
            options.threads = threads
            options.batch = e.spec.train?.batch
            guard let result = Bench.run(e.file, options: options).result, result.medianStep > 0 else { continue }
            probes[e.hash] = Probe(file: e.file, imagesPerSecond: result.imagesPerSecond)
        }
        guard !probes.isEmpty else { return nil }
        return CostEstimate(probes: probes, threads: threads, probeSeconds: Date().timeIntervalSince(started))
    }

    /// The experiment's remaining time: `remaining` of its `runs` trainings still to do.
    /// An epoch is its training images at the probed speed and its validation images at
    /// three times that (a forward pass only); every run also scores the test split once.
    public func seconds(_ e: Experiment, remainingRuns remaining: Int) -> Double? {
        guard let probe = probes[e.hash], let data = e.spec.data, e.schedule.runs > 0 else { return nil }
        let speed = probe.imagesPerSecond
        let epoch = Double(data.train) / speed + Double(data.validation) / (3 * speed)
        let whole = epoch * Double(e.schedule.totalEpochs) + Double(e.schedule.runs) * Double(DataSource.testCount(data)) / (3 * speed)
        return whole * Double(remaining) / Double(e.schedule.runs)
    }
}

extension Experiment {
    var isConvolutional: Bool {
        analysis.model.layers.contains { if case .conv = $0 { return true } else { return false } }
    }
}

/// `mimicc study run --dry-run` and the header of a real run: one line per experiment.
public enum PlanRenderer {
    /// `teachers`: where trained teachers are cached, to say which must train first.
    public static func render(_ plan: StudyPlan, trials: [TrialRecord], estimate: CostEstimate?, jobs: Int,
                              teachers: String? = nil) -> String {
        var out = "study \(plan.directory): \(plan.experiments.count) experiment(s), "
        out += "\(plan.experiments.reduce(0) { $0 + $1.trials }) trial(s)"
        let runs = plan.experiments.reduce(0) { $0 + $1.schedule.runs }
        let trialCount = plan.experiments.reduce(0) { $0 + $1.trials }
        if runs != trialCount { out += ", \(runs) rung run(s)" }
        out += "\n"
        for (skipped, kept) in plan.duplicates { out += "  \(skipped): same spec as \(kept), skipped\n" }
        let header = ["spec", "family", "role", "budget", "params", "GFLOP/img", "trials", "epochs", "done", "img/s", "estimate"]
        var rows: [[String]] = []
        var total = 0.0
        for e in plan.experiments {
            let records = trials.filter { $0.experiment == e.hash && $0.status != .running }
            // A run per rung a trial reached (or the one it failed at).
            let done = records.reduce(0) { $0 + max(1, e.schedule.isMultiFidelity ? $1.rungScores.count : 1) }
            let remaining = max(0, e.schedule.runs - done)
            let seconds = estimate?.seconds(e, remainingRuns: remaining) ?? nil
            total += seconds ?? 0
            let speed = estimate?.probes[e.hash].map { String(format: "%.0f", $0.imagesPerSecond) } ?? "-"
            rows.append([e.file, e.family, e.role.rawValue, e.budget.map { Budget.label($0) } ?? "-", "\(e.analysis.params)",
                         String(format: "%.3f", Double(e.flopsPerImage) / 1e9), "\(e.trials)", "\(e.schedule.totalEpochs)",
                         "\(records.count)", speed, seconds.map { SharedState.duration($0) } ?? "?"])
        }
        let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ fields: [String]) -> String {
            "  " + fields.enumerated().map { i, s in i == 0 || i == 1 || i == 2 ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - s.count) + s }.joined(separator: "  ") + "\n"
        }
        out += line(header)
        for row in rows { out += line(row) }
        if let teachers { out += teacherLines(plan, root: teachers) }
        if let estimate {
            out += String(format: "throughput probe: each experiment trained a few steps on %d thread(s) (img/s above), %.0f s\n",
                          estimate.threads, estimate.probeSeconds)
            out += "estimated time for the remaining trials: \(SharedState.duration(total)) on one machine"
            if jobs > 1 { out += " (jobs share its cores, so --jobs does not shorten it much)" }
            out += "\n"
        }
        return out
    }

    /// One line per trained teacher of the plan: cached, or to be trained before its
    /// students (not in the estimate).
    static func teacherLines(_ plan: StudyPlan, root: String) -> String {
        plan.trainedTeachers.map { teacher in
            if let cached = try? TeacherCache.cached(teacher.file, members: teacher.members, root: root) {
                return "teacher \(teacher.file) x\(teacher.members): cached in \(cached.directory)\n"
            }
            return "teacher \(teacher.file) x\(teacher.members): its members train first, into \(root) (not in the estimate)\n"
        }.joined()
    }
}

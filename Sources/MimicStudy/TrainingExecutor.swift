import Foundation
import MimicBasics
import MimicDriver
import MimicSpec
import MimicTrain

/// Trains a trial with `compile-and-run`'s runner in the trial's own run directory. A
/// directory a killed study left behind is resumed from its last checkpoint; one that
/// already holds `result.json` (killed after training, before the store heard of it) is read,
/// unless it is a rung's pause and the trial has been promoted: then training continues. A
/// trial that diverges after an epoch is scored by its best checkpoint.
public struct TrainingExecutor: TrialExecutor {
    public init() {}

    public func execute(_ job: TrialJob, log: @escaping @Sendable (String) -> Void) -> TrialOutcome {
        var options = Runner.Options()
        options.threads = job.threads
        options.pauseAfterEpoch = job.epochLimit
        options.keepBestOnDivergence = true
        do {
            return Self.outcome(try Runner.train(job.spec, analysis: job.analysis, in: job.directory, options: options, log: log))
        } catch {
            if error.isInterruption { return .interrupted(error.message) }
            let message = error.message.isEmpty
                ? (error.report.map { LintRenderer.render($0, as: .text).stderr } ?? "the trial's spec has errors")
                : error.message
            return .failed(message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    static func outcome(_ r: TrainingResult) -> TrialOutcome {
        .finished(validation: r.bestValidationAccuracy, test: r.testAccuracy, params: r.parameters, epochs: r.epochs,
                  seconds: r.wallSeconds, complete: !r.isPaused,
                  note: r.stoppedBy == "diverged" ? "diverged in epoch \(r.epochs + 1), scored by its best epoch (\(r.bestEpoch))" : nil)
    }
}

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
        let directory = RunDirectory(path: job.directory)
        var earlierSeconds = 0.0
        if let data = FileManager.default.contents(atPath: directory.resultFile),
           let result = try? JSONDecoder().decode(TrainingResult.self, from: data) {
            guard result.specHash == CanonicalSpec.hex(job.spec) else {
                return .failed("\(job.directory) holds the result of another spec; move it away and run the study again")
            }
            // A rung's pause goes on when the trial is promoted; anything else is its result.
            guard result.isPaused, result.epochs < job.epochLimit ?? Int.max else { return Self.outcome(result) }
            earlierSeconds = result.wallSeconds
        }
        var options = Runner.Options()
        options.threads = job.threads
        options.pauseAfterEpoch = job.epochLimit
        options.keepBestOnDivergence = true
        if FileManager.default.fileExists(atPath: directory.hashFile) {
            options.resume = job.directory
        } else {
            options.out = job.directory
        }
        do {
            var result = try Runner.run(spec: job.spec, analysis: job.analysis, options: options, log: log, isTerminal: false)
            result.wallSeconds += earlierSeconds
            return Self.outcome(result)
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
                  seconds: r.wallSeconds, complete: !r.isPaused)
    }
}

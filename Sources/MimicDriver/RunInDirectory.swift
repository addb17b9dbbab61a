import Foundation
import MimicBasics
import MimicSema
import MimicSpec
import MimicTrain

extension Runner {
    /// Trains `spec` in the run directory at `path`, picking up whatever a killed process left
    /// there: a result is read (a run paused at a rung continues when `options.pauseAfterEpoch`
    /// asks for more epochs), a started run resumes from its checkpoint, an empty place starts.
    /// Study trials and the members of a trained teacher go through here. The result's
    /// `wallSeconds` counts the earlier parts of a paused run too.
    public static func train(_ spec: Spec, analysis: ModelAnalysis, in path: String, options base: Options,
                             log: @escaping (String) -> Void) throws(Failure) -> TrainingResult {
        let directory = RunDirectory(path: path)
        var earlierSeconds = 0.0
        if let data = FileManager.default.contents(atPath: directory.resultFile),
           let result = try? JSONDecoder().decode(TrainingResult.self, from: data) {
            guard result.specHash == CanonicalSpec.hex(spec) else {
                throw Failure(message: "\(path) holds the result of another spec; move it away and run again", exitCode: 1,
                              report: nil, runDirectory: path)
            }
            guard result.isPaused, result.epochs < base.pauseAfterEpoch ?? Int.max else { return result }
            earlierSeconds = result.wallSeconds
        }
        var options = base
        options.out = nil
        options.resume = nil
        if FileManager.default.fileExists(atPath: directory.hashFile) {
            options.resume = path
        } else {
            options.out = path
        }
        var result = try run(spec: spec, analysis: analysis, options: options, log: log, isTerminal: false)
        result.wallSeconds += earlierSeconds
        return result
    }
}

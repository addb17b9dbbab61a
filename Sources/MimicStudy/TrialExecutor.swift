import MimicSema
import MimicSpec

/// One trial to run: the experiment's spec with the trial's values in place.
public struct TrialJob: Sendable {
    public var experiment: Experiment
    /// 0-based index of the trial in its search.
    public var index: Int
    /// The experiment's spec with the trial's searched values in place.
    public var spec: Spec
    public var analysis: ModelAnalysis
    /// The trial's run directory; it may hold a run a killed study left behind.
    public var directory: String
    public var threads: Int
    /// A multi-fidelity search's rung: train to this many epochs and pause (nil: to the end).
    /// A trial promoted to the next rung runs again with a larger limit and continues.
    public var epochLimit: Int?
}

/// How a trial ended.
public enum TrialOutcome: Sendable {
    /// `complete` is false for a trial paused at its rung, which a promotion may continue;
    /// `seconds` counts every rung the trial has trained.
    /// `note` says why a trial ended early (a divergence scored by its best epoch).
    case finished(validation: Double, test: Double, params: Int, epochs: Int, seconds: Double, complete: Bool, note: String? = nil)
    /// The trial cannot give a result (diverged, impossible budget, bad data): recorded, and
    /// the search goes on.
    case failed(String)
    /// The user stopped the study: the trial stays claimed and resumes next time.
    case interrupted(String)
}

/// Runs trials. The study trains through `TrainingExecutor`; tests substitute a function.
public protocol TrialExecutor: Sendable {
    func execute(_ job: TrialJob, log: @escaping @Sendable (String) -> Void) -> TrialOutcome
}

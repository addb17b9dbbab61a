import Foundation
import MimicBasics
import MimicDriver
import MimicSearch
import MimicSema
import MimicSpec
import MimicStore
import MimicTrain

/// Runs a planned study: each experiment's trials in order, recorded in the results store
/// as they start and end. A trial's values are stored when it is claimed, and a proposal
/// depends only on the trials before it, so a killed study resumes with the trials an
/// uninterrupted one would have run, none lost and none run twice.
public struct StudyRunner: Sendable {
    public var storePath: String
    /// Where trial run directories go: `<runs>/<spec-name>-<hash>/trial-NNN`.
    public var runsDirectory: String
    /// Where trained teachers (`teacher: {trained: ...}`) keep their members and logits.
    public var teachersDirectory: String?
    public var jobs = 1
    public var threads = ProcessInfo.processInfo.activeProcessorCount

    public init(storePath: String, runsDirectory: String) {
        self.storePath = storePath
        self.runsDirectory = runsDirectory
    }

    public struct Summary: Sendable, Equatable {
        public var finished = 0
        public var failed = 0
        /// Trials found already finished or failed in the store.
        public var skipped = 0
        public var interrupted = false
    }

    /// Runs every experiment of the plan, `jobs` at a time, each trial on threads/jobs threads.
    public func run(_ plan: StudyPlan, executor: TrialExecutor, log: @escaping @Sendable (String) -> Void) throws(StudyError) -> Summary {
        let total = plan.experiments.reduce(0) { $0 + $1.schedule.runs }
        let state = SharedState(total: total,
                                unit: plan.experiments.contains { $0.schedule.isMultiFidelity } ? "trial runs" : "trials")
        let workers = max(1, min(jobs, plan.experiments.count))
        let trialThreads = max(1, threads / workers)
        let errors = ErrorBox()
        // Create the store (schema, WAL mode) once, before the workers open their own connections.
        do { _ = try ResultsStore(path: storePath) } catch { throw StudyError("results store '\(storePath)': \(error)") }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let store: ResultsStore
            do { store = try ResultsStore(path: storePath) } catch {
                errors.set(StudyError("results store: \(error)"))
                return
            }
            while let experiment = state.next(plan.experiments), !state.stopped, errors.error == nil {
                do {
                    try runExperiment(experiment, store: store, executor: executor, threads: trialThreads, state: state, log: log)
                } catch let error as StudyError {
                    errors.set(error)
                } catch {
                    errors.set(StudyError("\(error)"))
                }
            }
        }
        if let error = errors.error { throw error }
        return state.summary
    }

    /// Runs an experiment's search bracket by bracket and rung by rung (one rung of one
    /// bracket without `search.fidelity`). Every decision is recomputed from the store, so a
    /// study run again skips what is done and continues what was stopped.
    private func runExperiment(_ original: Experiment, store: ResultsStore, executor: TrialExecutor, threads: Int, state: SharedState,
                               log: @escaping @Sendable (String) -> Void) throws(StudyError) {
        guard let e = try withTeacher(original, threads: threads, state: state, log: log) else { return }
        var search = ExperimentSearch(e, records: try storeCall { try store.trials(experiment: e.hash) })
        for bracket in search.schedule.brackets {
            var participants = Array(bracket.trials)
            for (k, epochs) in bracket.rungs.enumerated() {
                if k > 0 {
                    participants = search.promoted(from: participants, rung: bracket.rungs[k - 1], count: bracket.sizes[k])
                    if !participants.isEmpty, search.isMultiFidelity {
                        let names = participants.map { "\($0 + 1)" }.joined(separator: ", ")
                        log("\(e.name): " + (participants.count == 1 ? "trial \(names) goes" : "trials \(names) go")
                            + " on to the rung of \(epochs) epochs")
                    }
                }
                let limit = k == bracket.rungs.count - 1 ? nil : epochs
                for index in participants {
                    if Interruption.isRequested { state.stop() }
                    if state.stopped { return }
                    guard try runTrial(index, until: limit, rung: epochs, of: e, search: &search, store: store, executor: executor,
                                       threads: threads, state: state, log: log)
                    else { return }
                }
            }
        }
    }

    /// The experiment with a trained teacher's logits in place of the teacher spec, training
    /// and exporting the members first if no earlier run (of this study or another sharing
    /// the cache) did; nil when a signal stopped the teacher's training.
    private func withTeacher(_ e: Experiment, threads: Int, state: SharedState,
                             log: @escaping @Sendable (String) -> Void) throws(StudyError) -> Experiment? {
        guard case .trained(let teacher, let members)? = e.spec.teacher else { return e }
        let root = teachersDirectory ?? (runsDirectory as NSString).deletingLastPathComponent + "/teachers"
        do throws(Runner.Failure) {
            let resolved = try TeacherCache.resolve(teacher.value, members: members, root: root, threads: threads,
                                                    log: { log("\(e.name): " + $0) })
            var changed = e
            changed.spec = try Runner.substituting(resolved.directory, in: e.spec)
            return changed
        } catch where error.isInterruption {
            state.stop()
            log("\(e.name): the teacher's training was \(error.message); run the study again to resume it")
            return nil
        } catch {
            throw StudyError("\(e.name): its teacher \(teacher.value): "
                             + (error.message.isEmpty ? error.report.map { LintRenderer.render($0, as: .text).stderr } ?? "" : error.message))
        }
    }

    /// Trains trial `index` to `limit` epochs (nil: to its end), proposing it first if it is
    /// new; false when the experiment must stop here (interrupted, or another process runs it).
    private func runTrial(_ index: Int, until limit: Int?, rung: Int, of e: Experiment, search: inout ExperimentSearch,
                          store: ResultsStore, executor: TrialExecutor, threads: Int, state: SharedState,
                          log: @escaping @Sendable (String) -> Void) throws(StudyError) -> Bool {
        let existing = search.record(index)
        // A trial stopped while training past this rung has its score here already.
        if let existing, (existing.status != .running && existing.hasReached(rung)) || existing.rungScores[rung] != nil {
            state.record(.skipped)
            return true
        }
        if let owner = existing?.owner, existing?.status == .running, TrialOwner.isAlive(owner) {
            // Another study process on this machine is running this search: leave it to it.
            log("\(e.name): trial \(index + 1) is being run by process \(owner); skipping this experiment")
            return false
        }
        if let existing, existing.status == .running {
            log("\(e.name): trial \(index + 1) resumes after "
                + (existing.reason.map { "it was \($0)" } ?? "the process running it died"))
        }
        let point = existing?.point ?? search.propose(index)
        let assignments = search.space.assignment(point)
        var record = existing ?? TrialRecord(
            experiment: e.hash, trial: index, specFile: e.file, name: e.name, family: e.family, role: e.role.rawValue,
            budget: e.budget, assignment: Self.json(assignments), point: point)
        if existing == nil { record = try storeCall { try store.claim(record) } }
        record.status = .running
        record.owner = TrialOwner.current
        record.reason = nil
        // Keyed by the experiment's hash as well as its name: an edited spec, or the same
        // spec under other --set values, must never find (and report) another's trials.
        let directory = "\(runsDirectory)/\(e.name)-\(e.hash.prefix(8))/trial-\(String(format: "%03d", index + 1))"
        record.runDirectory = directory
        let label = "\(e.name) trial \(index + 1)/\(search.schedule.trialCount)" + (limit.map { " (rung of \($0) epochs)" } ?? "")
        let outcome: TrialOutcome
        switch Self.trialSpec(e, assignments, seed: search.seed(index)) {
        case .failure(let reason):
            outcome = .failed(reason.message)
        case .success(let (spec, analysis)):
            record.specHash = CanonicalSpec.hex(spec)
            try storeCall { try store.update(record) }
            log("\(label) started" + (assignments.isEmpty ? "" : ": " + Self.describe(assignments)) + " -> \(directory)")
            outcome = executor.execute(
                TrialJob(experiment: e, index: index, spec: spec, analysis: analysis,
                         directory: directory, threads: threads, epochLimit: limit),
                log: { log("  \(e.name) #\(index + 1): \($0)") })
        }
        switch outcome {
        case .finished(let validation, let test, let params, let epochs, let seconds, let complete, let note):
            record.status = .done
            record.validationAccuracy = validation
            record.testAccuracy = test
            record.params = params
            record.epochs = epochs
            record.seconds = seconds
            record.complete = complete
            record.reason = note
            if search.isMultiFidelity { record.rungScores[rung] = validation }
            state.record(.finished)
            log(String(format: "%@ %@: validation %.2f%%, test %.2f%%, %.0f s  [%@]", label,
                       note.map { "done (\($0))" } ?? (complete ? "done" : "paused"), 100 * validation, 100 * test, seconds, state.progress))
        case .failed(let reason):
            record.status = .failed
            record.reason = reason
            record.complete = true
            state.record(.failed)
            log("\(label) failed: \(reason)  [\(state.progress)]")
        case .interrupted(let reason):
            // Still claimed, and no longer owned: the next run resumes it where it stopped,
            // and its reason tells a clean stop from a process that died.
            state.stop()
            record.reason = reason
            record.owner = nil
            try storeCall { try store.update(record) }
            log("\(label) \(reason); run the study again to resume it")
            return false
        }
        record.owner = nil
        try storeCall { try store.update(record) }
        search.update(record)
        return true
    }

    /// Each experiment's own stream of proposals, from the search's seed and the spec's name:
    /// specs sharing a base (and so a seed) still explore independently, as the paper's
    /// separate searches did, and a point that fails in one is not tried in all of them.
    static func searchSeed(_ seed: Int, _ name: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs and machines
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: (hash ^ UInt64(seed) &* 0x9E37_79B9_7F4A_7C15) >> 1)
    }

    /// The trial's spec and model analysis, or why the trial cannot run (its widths miss
    /// the budget, say).
    static func trialSpec(_ e: Experiment, _ assignments: [Assignment], seed: Int?) -> Result<(Spec, ModelAnalysis), StudyError> {
        guard !assignments.isEmpty || seed != nil else { return .success((e.spec, e.analysis)) }
        let (spec, diagnostics) = SpecVariant.apply(assignments, seed: seed, to: e.spec)
        if let error = diagnostics.first(where: { $0.severity == .error }) { return .failure(StudyError(error.message)) }
        guard let lowered = spec, lowered.model != nil else { return .failure(StudyError("the trial's spec did not lower")) }
        let analyzed = Frontend.analyze(lowered)
        if let error = analyzed.diagnostics.first(where: { $0.severity == .error }) { return .failure(StudyError(error.message)) }
        guard let spec = analyzed.spec, let analysis = analyzed.analysis else { return .failure(StudyError("the trial's model did not analyse")) }
        return .success((spec, analysis))
    }

    static func json(_ assignments: [Assignment]) -> String {
        "{" + assignments.map { a in
            let value: String
            switch a.value {
            case .string(let s): value = "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            default: value = a.value.description
            }
            return "\"\(a.path)\": \(value)"
        }.joined(separator: ", ") + "}"
    }

    static func describe(_ assignments: [Assignment]) -> String {
        assignments.map { a in
            if case .double(let d) = a.value { return "\(a.path)=\(String(format: "%.4g", d))" }
            return "\(a.path)=\(a.value)"
        }.joined(separator: " ")
    }

    private func storeCall<T>(_ body: () throws -> T) throws(StudyError) -> T {
        do { return try body() } catch {
            throw StudyError("results store '\(storePath)': \(error)\nhint: a full disk or a read-only directory? "
                             + "Finished trials are kept; run the study again once it is writable")
        }
    }
}

/// Progress shared by the study's workers.
final class SharedState: @unchecked Sendable {
    enum Event { case finished, failed, skipped }
    private let lock = NSLock()
    private var nextIndex = 0
    private(set) var summary = StudyRunner.Summary()
    let total: Int
    /// What `total` counts: trials, or with multi-fidelity searches the runs of trials to rungs.
    let unit: String
    let started = Date()

    init(total: Int, unit: String = "trials") {
        self.total = total
        self.unit = unit
    }

    var stopped: Bool { lock.withLock { summary.interrupted } }

    func stop() { lock.withLock { summary.interrupted = true } }

    func next(_ experiments: [Experiment]) -> Experiment? {
        lock.withLock {
            guard nextIndex < experiments.count else { return nil }
            defer { nextIndex += 1 }
            return experiments[nextIndex]
        }
    }

    func record(_ event: Event) {
        lock.withLock {
            switch event {
            case .finished: summary.finished += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            }
        }
    }

    /// "12/40 trials, 1.2 h elapsed, about 2.8 h left".
    var progress: String {
        lock.withLock {
            let done = summary.finished + summary.failed + summary.skipped
            let ran = summary.finished + summary.failed
            let elapsed = Date().timeIntervalSince(started)
            var text = "\(done)/\(total) \(unit), \(Self.duration(elapsed)) elapsed"
            if ran > 0, done < total { text += ", about \(Self.duration(elapsed / Double(ran) * Double(total - done))) left" }
            return text
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return String(format: "%.0f s", seconds) }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: StudyError?
    var error: StudyError? { lock.withLock { stored } }
    func set(_ e: StudyError) { lock.withLock { if stored == nil { stored = e } } }
}

import Foundation
import MimicBasics
@testable import MimicSearch
import MimicSpec
import MimicTestSupport
import XCTest
@testable import MimicStore
@testable import MimicStudy

/// Stands in for training with a learning curve: a trial's accuracy is q(rate) (1 - e^(-epochs/3)),
/// best at a rate of 0.015. Each trial's run directory remembers the epochs it trained (as a
/// checkpoint would), so a promotion continues from there, and every epoch trained is counted:
/// a rung trained again from the start would show in the count.
final class CurveExecutor: TrialExecutor, @unchecked Sendable {
    let epochs: Int
    /// Interrupt the first job that trains to this rung, halfway through it.
    let interruptAtRung: Int?
    private let lock = NSLock()
    private var interrupted = false
    private(set) var trainedEpochs = 0
    /// Jobs that asked for no more epochs than the run already had (a rung run again).
    private(set) var backwards = 0
    private(set) var seeds: [Int: Int] = [:]

    init(epochs: Int, interruptAtRung: Int? = nil) {
        self.epochs = epochs
        self.interruptAtRung = interruptAtRung
    }

    static func quality(_ lr: Double) -> Double { 0.9 - pow(log10(lr) - log10(0.015), 2) }

    static func score(lr: Double, epochs: Int) -> Double { quality(lr) * (1 - exp(-Double(epochs) / 3)) }

    func execute(_ job: TrialJob, log: @escaping @Sendable (String) -> Void) -> TrialOutcome {
        guard case .sgd(let lr, _, _, _)? = job.spec.train?.optimizer else { return .failed("no rate") }
        let file = job.directory + "/epochs"
        try? FileManager.default.createDirectory(atPath: job.directory, withIntermediateDirectories: true)
        let from = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int($0) } ?? 0
        let target = job.epochLimit ?? epochs
        let stop: Bool = lock.withLock {
            seeds[job.index] = job.spec.train?.seed
            if target <= from { backwards += 1 }
            if let rung = interruptAtRung, target == rung, !interrupted {
                interrupted = true
                return true
            }
            return false
        }
        if stop {
            let halfway = from + (target - from) / 2
            try? "\(halfway)".write(toFile: file, atomically: true, encoding: .utf8)
            lock.withLock { trainedEpochs += halfway - from }
            return .interrupted("stopped by the test")
        }
        try? "\(target)".write(toFile: file, atomically: true, encoding: .utf8)
        lock.withLock { trainedEpochs += target - from }
        let score = Self.score(lr: lr, epochs: target)
        return .finished(validation: score, test: score - 0.01, params: job.analysis.params, epochs: target,
                         seconds: Double(target - from), complete: target >= epochs)
    }
}

final class MultiFidelityTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "mimicc-fidelity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// A study of `names` (one experiment each), 9 random trials of 9 epochs, with the
    /// given `search` lines.
    func plan(_ name: String, names: [String] = ["cnn"], searchLines: [String]) throws -> StudyPlan {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var study = SyntheticStudy()
        study.method = "random"
        study.trials = 9
        study.epochs = 9
        study.searchLines = searchLines
        study.experiments = names.map { .init($0, family: "CNN-1", architecture: "8c5-mp4-depfc") }
        try study.write(into: directory)
        return try StudyPlan.make(directory: directory).get()
    }

    func run(_ plan: StudyPlan, _ db: String, _ executor: TrialExecutor, log: @escaping @Sendable (String) -> Void = { _ in })
        throws -> StudyRunner.Summary {
        try StudyRunner(storePath: root + "/" + db, runsDirectory: root + "/runs-" + db).run(plan, executor: executor, log: log)
    }

    func records(_ db: String) throws -> [TrialRecord] { try ResultsStore(path: root + "/" + db).allTrials() }

    func testRungsAndHyperbandBrackets() {
        let at = SourceLocation(file: "s.yaml", line: 1, column: 1)
        XCTAssertEqual(Fidelity(minEpochs: 2, reduction: 3, brackets: 1, location: at).rungs(epochs: 20), [2, 6, 20])
        XCTAssertEqual(Fidelity(minEpochs: 1, reduction: 2, brackets: 1, location: at).rungs(epochs: 4), [1, 2, 4])
        XCTAssertEqual(Fidelity(minEpochs: 4, reduction: 3, brackets: 1, location: at).rungs(epochs: 10), [10])
        // Hyperband with R = 27, eta = 3 (Li et al., Table 1): brackets of 27, 12, 6 and 4 trials.
        let hyperband = RungSchedule(trials: 27, epochs: 27, fidelity: Fidelity(minEpochs: 1, reduction: 3, brackets: 4, location: at))
        XCTAssertEqual(hyperband.brackets.map(\.sizes), [[27, 9, 3, 1], [12, 4, 1], [6, 2], [4]])
        XCTAssertEqual(hyperband.brackets.map(\.rungs), [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27]])
        XCTAssertEqual(hyperband.brackets.map(\.trials), [0..<27, 27..<39, 39..<45, 45..<49])
        XCTAssertEqual(hyperband.trialCount, 49)
        XCTAssertEqual(hyperband.brackets[0].sizes.reduce(0, +), 40)
        // 27 x 1 + 9 x 2 + 3 x 6 + 1 x 18 epochs in the first bracket.
        XCTAssertEqual(RungSchedule(trials: 27, epochs: 27, fidelity: Fidelity(minEpochs: 1, reduction: 3, brackets: 1, location: at))
            .totalEpochs, 27 + 18 + 18 + 18)
        let single = RungSchedule(trials: 5, epochs: 8, fidelity: nil)
        XCTAssertEqual(single.brackets, [RungSchedule.Bracket(trials: 0..<5, rungs: [8], sizes: [5])])
        XCTAssertEqual(single.totalEpochs, 40)
        XCTAssertEqual(RungSchedule.promoted([(0, 0.5), (1, 0.7), (2, 0.7), (3, 0.1)], count: 2), [1, 2])
    }

    /// Rungs that cannot be run are lint errors at the `fidelity` mapping.
    func testImpossibleRungsAreLintErrors() throws {
        func diagnostics(_ search: String) throws -> [String] {
            let path = root + "/rungs.yaml"
            try """
                mimicc: 1
                model: {architecture: "16fc"}
                train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.01}}, epochs: 9}
                search:
                \(search)
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return try SpecLoader().load(path).diagnostics.map { "\($0.code.rawValue) \($0.message)" }
        }
        XCTAssertEqual(try diagnostics("""
              method: grid
              trials: 4
              space: {train.optimizer.sgd.lr: {choice: [0.01, 0.02]}}
              fidelity: {min-epochs: 1, brackets: 2}
            """), ["MC036 a grid search has one bracket: Hyperband's later brackets would train the grid's points again"])
        XCTAssertEqual(try diagnostics("""
              method: random
              trials: 4
              space: {train.optimizer.sgd.lr: {log-uniform: [0.01, 0.02]}}
              fidelity: {min-epochs: 1, brackets: 4}
            """), ["MC036 'search.fidelity.brackets' is 4, but there are only 3 rungs (epochs 1, 3, 9)"])
        XCTAssertEqual(try diagnostics("""
              method: grid
              trials: 4
              space: {train.optimizer.sgd.lr: {choice: [0.01, 0.02]}}
              fidelity: {min-epochs: 1}
            """), [])
    }

    /// Successive halving over the same nine configurations as a search that trains each
    /// to the end finds the same best trial for a quarter of the epochs, and its promoted
    /// trials continue from their checkpoints (no epoch is trained twice).
    func testSuccessiveHalvingFindsTheOptimumForLessThanRandomSearch() throws {
        let full = try plan("full", searchLines: [])
        let fullRun = CurveExecutor(epochs: 9)
        _ = try run(full, "full.sqlite", fullRun)
        let halving = try plan("halving", searchLines: ["fidelity: {min-epochs: 1, reduction: 3}"])
        XCTAssertEqual(halving.experiments[0].schedule.levels, [1, 3, 9])
        let halvingRun = CurveExecutor(epochs: 9)
        let summary = try run(halving, "halving.sqlite", halvingRun)
        XCTAssertEqual(summary, StudyRunner.Summary(finished: 9 + 3 + 1, failed: 0, skipped: 0, interrupted: false))

        XCTAssertEqual(fullRun.trainedEpochs, 81)
        XCTAssertEqual(halvingRun.trainedEpochs, 9 * 1 + 3 * 2 + 1 * 6, "promotions continue; nothing is trained twice")
        let fullBest = try XCTUnwrap(try records("full.sqlite").max { $0.validationAccuracy! < $1.validationAccuracy! })
        let trials = try records("halving.sqlite")
        XCTAssertEqual(trials.map(\.point), try records("full.sqlite").map(\.point), "the same nine configurations")
        let finalists = trials.filter(\.complete)
        XCTAssertEqual(finalists.count, 1)
        XCTAssertEqual(finalists[0].trial, fullBest.trial, "the best configuration survives every rung")
        XCTAssertEqual(finalists[0].validationAccuracy!, fullBest.validationAccuracy!, accuracy: 1e-12)
        XCTAssertEqual(finalists[0].rungScores.keys.sorted(), [1, 3, 9])
        XCTAssertEqual(trials.filter { $0.epochs == 3 }.count, 2, "three reached the second rung, one went on")
        XCTAssertEqual(trials.filter { $0.epochs == 1 }.count, 6)
        // Running again finds every rung done.
        XCTAssertEqual(try run(halving, "halving.sqlite", CurveExecutor(epochs: 9)).finished, 0)
    }

    /// A study killed in the middle of a promoted trial's rung, then run again, ends with the
    /// trials, rungs and results of one that was never stopped; shards merge into it too.
    func testAKillMidRungAndShardsGiveTheUninterruptedResult() throws {
        let lines = ["fidelity: {min-epochs: 1, reduction: 3}"]
        let study = try plan("kill", names: ["cnn-a", "cnn-b"], searchLines: lines)
        _ = try run(study, "whole.sqlite", CurveExecutor(epochs: 9))

        let first = try run(study, "killed.sqlite", CurveExecutor(epochs: 9, interruptAtRung: 3))
        XCTAssertTrue(first.interrupted)
        let stopped = try records("killed.sqlite").filter { $0.status == .running }
        XCTAssertEqual(stopped.count, 1)
        XCTAssertEqual(stopped.first?.rungScores.keys.sorted(), [1], "stopped while training from rung 1 to rung 3")
        let log = LogLines()
        let resumed = CurveExecutor(epochs: 9)
        _ = try run(study, "killed.sqlite", resumed, log: log.append)
        XCTAssertTrue(log.all.contains { $0.contains("trial") && $0.contains("resumes after it was stopped by the test") }, log.text)
        XCTAssertEqual(resumed.backwards, 0, "the stopped trial continues at its rung, not at the one it had passed")
        func portable(_ db: String) throws -> [TrialRecord] { try records(db).map(\.portable) }
        XCTAssertEqual(try portable("killed.sqlite"), try portable("whole.sqlite"))

        for shard in 1...2 {
            _ = try run(study.shard(shard, of: 2), "shard-\(shard).sqlite", CurveExecutor(epochs: 9))
        }
        let merged = try ResultsStore(path: root + "/merged.sqlite")
        for shard in 1...2 { _ = try merged.merge(from: try ResultsStore(path: root + "/shard-\(shard).sqlite")) }
        XCTAssertEqual(try portable("merged.sqlite"), try portable("whole.sqlite"))
    }

    /// `search.start: spec` makes trial 0 the spec's own values; every trial trains with its
    /// own seed, drawn from the search's seed, unless `search.seeds: spec`.
    func testStartAtTheSpecAndPerTrialSeeds() throws {
        let study = try plan("start", searchLines: ["start: spec"])
        let executor = CurveExecutor(epochs: 9)
        _ = try run(study, "start.sqlite", executor)
        let trials = try records("start.sqlite")
        XCTAssertEqual(trials[0].assignment, "{\"train.optimizer.sgd.lr\": 0.02}", "the base spec's rate")
        XCTAssertNotEqual(trials[1].assignment, trials[0].assignment)
        let seeds = (0..<9).compactMap { executor.seeds[$0] }
        XCTAssertEqual(seeds.count, 9)
        XCTAssertEqual(Set(seeds).count, 9, "a seed of its own for every trial: \(seeds)")
        XCTAssertFalse(seeds.contains(1), "not the spec's seed")
        let again = CurveExecutor(epochs: 9)
        _ = try run(try plan("start-again", searchLines: ["start: spec"]), "again.sqlite", again)
        XCTAssertEqual((0..<9).compactMap { again.seeds[$0] }, seeds, "drawn from the search seed, not the clock")

        let fixed = CurveExecutor(epochs: 9)
        _ = try run(try plan("fixed", searchLines: ["seeds: spec"]), "fixed.sqlite", fixed)
        XCTAssertEqual(Set((0..<9).compactMap { fixed.seeds[$0] }), [1])
    }
}

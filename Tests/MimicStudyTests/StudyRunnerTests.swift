import Foundation
import MimicTestSupport
import XCTest
@testable import MimicStudy
@testable import MimicStore

final class StudyRunnerTests: XCTestCase {
    func run(_ fixture: StudyFixture, _ plan: StudyPlan, db: String, executor: TrialExecutor, jobs: Int = 1,
             log: @escaping @Sendable (String) -> Void = { _ in }) throws -> StudyRunner.Summary {
        var runner = StudyRunner(storePath: db, runsDirectory: fixture.root + "/runs")
        runner.jobs = jobs
        return try runner.run(plan, executor: executor, log: log)
    }

    func records(_ db: String) throws -> [TrialRecord] {
        try ResultsStore(path: db).allTrials().map(\.portable)
    }

    func testPlanDeduplicatesFiltersAndCountsTrials() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        try fixture.write("copy-of-cnn-a.yaml", (try String(contentsOfFile: fixture.directory + "/cnn-a.yaml", encoding: .utf8))
            .replacingOccurrences(of: "mimicc: 1", with: "mimicc: 1\nname: cnn-a"))
        let plan = try fixture.plan()
        XCTAssertEqual(plan.experiments.map(\.name), ["cnn-a", "cnn-b", "mlp-a", "plain"])
        XCTAssertEqual(plan.duplicates.map(\.0), [fixture.directory + "/copy-of-cnn-a.yaml"])
        XCTAssertEqual(plan.experiments.map(\.trials), [5, 5, 5, 1])
        let filtered = StudyPlan.make(directory: fixture.directory, filters: [
            StudyFilter(key: "budget", value: "20k"), StudyFilter(key: "family", value: "cnn-1"),
        ])
        XCTAssertEqual(try filtered.get().experiments.map(\.name), ["cnn-a"])
        // Alternatives on one key.
        let either = StudyPlan.make(directory: fixture.directory, filters: [
            StudyFilter(key: "name", value: "cnn-b"), StudyFilter(key: "name", value: "plain"),
        ])
        XCTAssertEqual(try either.get().experiments.map(\.name), ["cnn-b", "plain"])
        if case .success = StudyFilter.parse("depth=3") { XCTFail("unknown filter key accepted") }
        if case .success = StudyFilter.parse("budget=lots") { XCTFail("bad budget accepted") }
    }

    func testASpecWithErrorsStopsThePlanBeforeAnyTraining() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        try fixture.write("broken.yaml", "mimicc: 1\nmodel:\n  architecture: \"12fc\"\n  widht: 3\n")
        guard case .failure(let failure) = StudyPlan.make(directory: fixture.directory) else { return XCTFail("planned") }
        XCTAssertEqual(failure.report.errorCount, 1, "\(failure.report.diagnostics.map(\.message))")
        XCTAssertTrue(failure.report.diagnostics[0].message.contains("unknown key 'widht'"))
    }

    func testFailedTrialsAreRecordedAndTheSearchGoesOn() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let db = fixture.root + "/study.sqlite"
        let summary = try run(fixture, try fixture.plan(), db: db, executor: FunctionExecutor(failing: ["cnn-a#1"]))
        XCTAssertEqual(summary, StudyRunner.Summary(finished: 15, failed: 1, skipped: 0, interrupted: false))
        let failed = try records(db).filter { $0.status == .failed }
        XCTAssertEqual(failed.map(\.name), ["cnn-a"])
        XCTAssertEqual(failed.first?.reason, "diverged (test)")
        // Running again finds everything done.
        XCTAssertEqual(try run(fixture, try fixture.plan(), db: db, executor: FunctionExecutor()).skipped, 16)
    }

    func testAKilledStudyResumesWithTheSameTrials() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let plan = try fixture.plan()
        let whole = fixture.root + "/whole.sqlite"
        _ = try run(fixture, plan, db: whole, executor: FunctionExecutor())

        let killed = fixture.root + "/killed.sqlite"
        let first = try run(fixture, plan, db: killed, executor: FunctionExecutor(interruptAt: "cnn-b#3"))
        XCTAssertTrue(first.interrupted)
        let partial = try records(killed)
        XCTAssertEqual(partial.filter { $0.status == .running }.map { "\($0.name)#\($0.trial)" }, ["cnn-b#3"])
        let stopped = try XCTUnwrap(partial.first { $0.status == .running })
        XCTAssertEqual(stopped.reason, "stopped by the test", "a clean stop says so")
        XCTAssertNil(stopped.owner, "and no process holds the trial")
        XCTAssertFalse(partial.contains { $0.name == "mlp-a" }, "the study stops at the interruption")
        let lines = LogLines()
        let second = try run(fixture, plan, db: killed, executor: FunctionExecutor(), log: { lines.append($0) })
        XCTAssertTrue(lines.all.contains("cnn-b: trial 4 resumes after it was stopped by the test"), "\(lines.all)")
        XCTAssertFalse(second.interrupted)
        XCTAssertEqual(second.skipped, 8)
        XCTAssertEqual(try records(killed), try records(whole))
        // The searches really searched: Bayesian proposals differ from trial to trial.
        XCTAssertEqual(Set(try records(whole).filter { $0.name == "cnn-a" }.map(\.assignment)).count, 5)
        // Experiments sharing a base (and its seed) still search independently.
        let firsts = try records(whole).filter { $0.trial == 0 && $0.name != "plain" }.map(\.point)
        XCTAssertEqual(Set(firsts).count, 3)
    }

    func testATrialHeldByAnotherLiveProcessIsLeftToIt() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let plan = try fixture.plan()
        let db = fixture.root + "/held.sqlite"
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/bin/sleep")
        other.arguments = ["30"]
        try other.run()
        defer { other.terminate() }
        let store = try ResultsStore(path: db)
        let experiment = try XCTUnwrap(plan.experiments.first { $0.name == "cnn-a" })
        var held = TrialRecord(experiment: experiment.hash, trial: 0, specFile: experiment.file, name: experiment.name,
                               family: experiment.family, role: "student", budget: experiment.budget, assignment: "{}", point: [0.5])
        held.owner = "\(ProcessInfo.processInfo.hostName):\(other.processIdentifier)"
        try store.update(held)
        _ = try run(fixture, plan, db: db, executor: FunctionExecutor())
        let records = try ResultsStore(path: db).allTrials()
        XCTAssertEqual(records.filter { $0.name == "cnn-a" }.map(\.status), [.running], "left to its live owner")
        XCTAssertEqual(records.filter { $0.name == "cnn-b" && $0.status == .done }.count, 5, "the other experiments ran")
        // Once the owner is gone, the trial is resumed.
        other.terminate()
        other.waitUntilExit()
        _ = try run(fixture, plan, db: db, executor: FunctionExecutor())
        XCTAssertEqual(try ResultsStore(path: db).allTrials().filter { $0.name == "cnn-a" && $0.status == .done }.count, 5)
    }

    func testShardsPartitionThePlanAndMergedShardsEqualOneMachine() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let plan = try fixture.plan()
        for count in 1...5 {
            let shards = (1...count).map { plan.shard($0, of: count).experiments.map(\.hash) }
            XCTAssertEqual(shards.flatMap { $0 }.sorted(), plan.experiments.map(\.hash).sorted(), "\(count) shards")
            XCTAssertEqual(Set(shards.flatMap { $0 }).count, plan.experiments.count)
        }
        let single = fixture.root + "/single.sqlite"
        _ = try run(fixture, plan, db: single, executor: FunctionExecutor(), jobs: 2)
        let merged = fixture.root + "/merged.sqlite"
        let target = try ResultsStore(path: merged)
        for i in 1...3 {
            let db = fixture.root + "/shard-\(i).sqlite"
            _ = try run(fixture, plan.shard(i, of: 3), db: db, executor: FunctionExecutor())
            let result = try target.merge(from: ResultsStore(path: db))
            XCTAssertEqual(result.conflicts, 0)
        }
        XCTAssertEqual(try records(merged), try records(single))
        // Merging a shard twice adds nothing.
        XCTAssertEqual(try target.merge(from: ResultsStore(path: fixture.root + "/shard-1.sqlite")).added, 0)
    }

    func testStoreAcceptsWritersFromSeveralConnectionsAtOnce() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let db = fixture.root + "/concurrent.sqlite"
        _ = try ResultsStore(path: db)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let store = try! ResultsStore(path: db)
            for trial in 0..<25 {
                var r = TrialRecord(experiment: "e\(worker)", trial: trial, specFile: "s", name: "n", family: "f", role: "student",
                                    budget: 1, assignment: "{}", point: [0.5])
                r = try! store.claim(r)
                r.status = .done
                r.validationAccuracy = 0.5
                try! store.update(r)
            }
        }
        let all = try ResultsStore(path: db).allTrials()
        XCTAssertEqual(all.count, 100)
        XCTAssertTrue(all.allSatisfy { $0.status == .done })
    }
}

final class ResultsStoreMigrationTests: XCTestCase {
    /// A store written before trials had owners opens, gains the column, and keeps its rows.
    func testAStoreWithoutTheOwnerColumnIsUpgraded() throws {
        let path = try Self.oldStore()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ResultsStore(path: path)
        let records = try store.allTrials()
        XCTAssertEqual(records.map(\.validationAccuracy), [0.75])
        XCTAssertNil(records.first?.owner)
    }

    /// Opened for reading (a dry run, a report, a merge's source), an old store reads with
    /// the later columns' defaults and is left byte for byte as it was; a missing one is an error.
    func testReadingAnOldStoreChangesNothing() throws {
        let path = try Self.oldStore()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = FileManager.default.contents(atPath: path)
        let records = try ResultsStore(readingOnly: path).allTrials()
        XCTAssertEqual(records.map(\.validationAccuracy), [0.75])
        XCTAssertEqual(records.first?.complete, true, "a trial of an old store ran to its end")
        XCTAssertEqual(records.first?.rungScores, [:])
        XCTAssertEqual(FileManager.default.contents(atPath: path), before)
        XCTAssertThrowsError(try ResultsStore(readingOnly: path + ".missing"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".missing"), "nothing is created")
    }

    /// A store as mimicc wrote it before owners, rungs and meta existed.
    static func oldStore() throws -> String {
        let path = NSTemporaryDirectory() + "old-\(UUID().uuidString).sqlite"
        do {
            let old = try SQLiteConnection(path: path)
            try old.query("""
                CREATE TABLE trials (experiment TEXT NOT NULL, trial INTEGER NOT NULL, spec_file TEXT NOT NULL,
                    name TEXT NOT NULL, family TEXT NOT NULL, role TEXT NOT NULL, budget INTEGER, assignment TEXT NOT NULL,
                    point TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, run_dir TEXT, spec_hash TEXT, validation REAL,
                    test REAL, params INTEGER, epochs INTEGER, seconds REAL,
                    updated TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (experiment, trial))
                """)
            try old.query("""
                INSERT INTO trials (experiment, trial, spec_file, name, family, role, budget, assignment, point, status, validation)
                VALUES ('e', 0, 's.yaml', 'n', 'f', 'student', 1000, '{}', '[0.5]', 'done', 0.75)
                """)
        }
        return path
    }
}

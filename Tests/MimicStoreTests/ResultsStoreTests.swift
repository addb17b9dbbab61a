import Foundation
import MimicStore
import XCTest

/// The results store on its own: records survive reopening, a claim is taken once, and a
/// merge keeps the more finished record and counts disagreements.
final class ResultsStoreTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func record(_ trial: Int, experiment: String = "e1") -> TrialRecord {
        TrialRecord(experiment: experiment, trial: trial, specFile: "s.yaml", name: "cnn2-1M", family: "cnn", role: "student",
                    budget: 1_000_000, assignment: "{\"train.optimizer.sgd.lr\": 0.01}", point: [0.25, -1.5])
    }

    func testRecordsSurviveReopeningAndAClaimIsTakenOnce() throws {
        let path = directory + "/a.sqlite"
        var first = record(0)
        do {
            let store = try ResultsStore(path: path)
            XCTAssertEqual(try store.claim(first), first)
            var other = record(0)
            other.owner = "someone else"
            XCTAssertEqual(try store.claim(other).owner, nil, "the second claim gets the first record back")
            first.status = .done
            first.validationAccuracy = 0.8125
            first.testAccuracy = 0.79
            first.params = 998_557
            try store.update(first)
            _ = try store.claim(record(1))
        }
        let reopened = try ResultsStore(path: path)
        let trials = try reopened.trials(experiment: "e1")
        XCTAssertEqual(trials.map(\.trial), [0, 1])
        XCTAssertEqual(trials[0], first)
        XCTAssertEqual(trials[0].point, [0.25, -1.5])
        XCTAssertEqual(trials[1].status, .running)
        XCTAssertEqual(try reopened.trials(experiment: "e2"), [])
    }

    func testMergeKeepsTheMoreFinishedRecordAndCountsConflicts() throws {
        let mine = try ResultsStore(path: directory + "/mine.sqlite")
        let theirs = try ResultsStore(path: directory + "/theirs.sqlite")
        let running = record(0)
        var done = record(0)
        done.status = .done
        done.validationAccuracy = 0.5
        _ = try mine.claim(running)
        try theirs.update(done)
        var disagreeing = record(1), agreed = record(1)
        disagreeing.status = .done
        disagreeing.validationAccuracy = 0.6
        agreed.status = .done
        agreed.validationAccuracy = 0.7
        try mine.update(agreed)
        try theirs.update(disagreeing)
        try theirs.update(record(2, experiment: "e2"))
        let (added, conflicts) = try mine.merge(from: theirs)
        XCTAssertEqual(added, 2, "the finished trial 0 and the new e2 trial")
        XCTAssertEqual(conflicts, 1, "trial 1 finished on both with different results")
        XCTAssertEqual(try mine.trials(experiment: "e1").map(\.status), [.done, .done])
        XCTAssertEqual(try mine.trials(experiment: "e1")[1].validationAccuracy, 0.7, "a conflict keeps this store's record")
        XCTAssertEqual(try mine.allTrials().count, 3)
    }
}

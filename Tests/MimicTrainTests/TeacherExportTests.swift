import Foundation
import MimicData
import MimicDriver
import XCTest

/// `mimicc logits RUN... --out DIR`: an ensemble teacher written in the layout a student reads,
/// and `compile-and-run --set` that trains its other members.
final class TeacherExportTests: RunnerTestsBase {
    /// Two members (the second by `--set train.seed=6`) exported at once: every file holds the
    /// mean of the members' single exports, and teacher.json's accuracies are those of the runs
    /// themselves and of the exported logits.
    func testTheTeacherDirectoryHoldsTheEnsembleAndItsAccuracies() throws {
        let file = try spec("member", architecture: "8c5-mp2-24fc", epochs: 2, train: 512)
        let first = directory + "/member-1", second = directory + "/member-2"
        let a = try Runner.run(file, options: options(first), log: { _ in }, isTerminal: false)
        var reseeded = options(second)
        reseeded.settings = [("train.seed", "6")]
        let b = try Runner.run(file, options: reseeded, log: { _ in }, isTerminal: false)
        XCTAssertNotEqual(a.specHash, b.specHash, "the seed is part of the recorded spec")
        XCTAssertTrue(try String(contentsOfFile: second + "/spec.json", encoding: .utf8).contains("\"seed\": 6"))

        let teacher = directory + "/teacher"
        var lines: [String] = []
        let record = try TeacherExport.export(runs: [first, second], to: teacher, threads: 2, log: { lines.append($0) })
        XCTAssertEqual(lines.count, 6, "a line per member and file")

        // Each file is the mean of the members' own exports.
        for (file, split, flipped) in [(TeacherExport.trainFile, LogitsExport.Split.train, false),
                                       (TeacherExport.trainFlipFile, .train, true), (TeacherExport.testFile, .test, false)] {
            let exported = try NumpyArray.readMatrix(teacher + "/" + file)
            XCTAssertEqual(exported.rows, split == .train ? 768 : 1000)
            XCTAssertEqual(exported.columns, 10)
            var members: [[Float]] = []
            for run in [first, second] {
                let single = directory + "/single.npy"
                _ = try LogitsExport.export(runs: [run], split: split, flipped: flipped, out: single, threads: 2)
                members.append(try NumpyArray.readMatrix(single).values)
            }
            for i in exported.values.indices {
                XCTAssertEqual(exported.values[i], (members[0][i] + members[1][i]) / 2, accuracy: 1e-5)
            }
        }

        // The members' accuracies are the runs' (best checkpoint, no views), the ensemble's
        // those of the exported logits; teacher.json records them with the provenance.
        XCTAssertEqual(record.members[0].accuracy.test, a.testAccuracy, accuracy: 1e-9)
        XCTAssertEqual(record.members[1].accuracy.test, b.testAccuracy, accuracy: 1e-9)
        XCTAssertEqual(record.members[0].accuracy.validation, a.bestValidationAccuracy, accuracy: 1e-9)
        XCTAssertEqual(record.members[1].accuracy.validation, b.bestValidationAccuracy, accuracy: 1e-9)
        XCTAssertEqual(record.ensemble.test, try testAccuracy(teacher + "/" + TeacherExport.testFile), accuracy: 1e-9)
        XCTAssertEqual(record.trainRows, 512)
        XCTAssertEqual(record.validationRows, 256)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: teacher + "/" + TeacherExport.recordFile))) as? [String: Any])
        let members = try XCTUnwrap(json["members"] as? [[String: Any]])
        XCTAssertEqual(members.map { $0["seed"] as? Int }, [5, 6])
        XCTAssertEqual(members.map { $0["spec_hash"] as? String }, [a.specHash, b.specHash])
        XCTAssertEqual(members[1]["test_accuracy"] as? Double ?? -1, b.testAccuracy, accuracy: 1e-12)
        XCTAssertEqual(json["ensemble_test_accuracy"] as? Double ?? -1, record.ensemble.test, accuracy: 1e-12)
        XCTAssertEqual((json["rows"] as? [String: String])?["validation"], "512..<768")
        let trained = try XCTUnwrap(members[0]["trained"] as? [String: Any])
        XCTAssertEqual(trained["wall_seconds"] as? Double ?? -1, a.wallSeconds, accuracy: 1e-6)
        XCTAssertEqual(trained["threads"] as? Int, 2)

        // Members trained on different splits are refused before anything is written.
        let other = directory + "/member-3"
        var resplit = options(other)
        resplit.settings = [("data.train", "384")]
        _ = try Runner.run(file, options: resplit, log: { _ in }, isTerminal: false)
        XCTAssertThrowsError(try TeacherExport.export(runs: [first, other], to: directory + "/mixed", threads: 2)) {
            XCTAssertTrue("\($0)".contains("must share the data split"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/mixed"))
    }

    /// `--set` replaces only values the spec writes, and a value the spec then rejects is
    /// reported as a spec error; neither starts a run.
    func testSetRefusesPathsTheSpecDoesNotWriteAndBadValues() throws {
        let file = try spec("set", architecture: "8c5-mp2-24fc", epochs: 1, train: 256)
        var unknown = options(directory + "/unknown")
        unknown.settings = [("train.warmup", "2")]
        XCTAssertThrowsError(try Runner.run(file, options: unknown, log: { _ in }, isTerminal: false)) {
            let failure = $0 as? Runner.Failure
            XCTAssertEqual(failure?.exitCode, 1)
            XCTAssertTrue(failure?.message.contains("does not write 'train.warmup'") ?? false, "\($0)")
        }
        var wrong = options(directory + "/wrong")
        wrong.settings = [("train.epochs", "many")]
        XCTAssertThrowsError(try Runner.run(file, options: wrong, log: { _ in }, isTerminal: false)) {
            let failure = $0 as? Runner.Failure
            XCTAssertEqual(failure?.exitCode, 1)
            XCTAssertFalse(failure?.report?.diagnostics.isEmpty ?? true, "the spec's own diagnostic explains it")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/unknown"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/wrong"))
    }
}

import Foundation
import MimicDriver
import MimicSpec
import MimicTestSupport
import XCTest
@testable import MimicStore
@testable import MimicStudy

/// `teacher: {trained: {spec, members}}` in a study: the members are trained once, their
/// logits exported and cached, the students mimic the export; a second run trains no
/// teacher, an edited teacher spec is trained anew and its students run again.
final class TrainedTeacherTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "mimicc-teacher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/study", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/results", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func writeTeacher(lr: Double) throws {
        try """
            mimicc: 1
            name: small-teacher
            model: {architecture: "8c5-mp4-32fc"}
            data: {dataset: synthetic, train: 256, validation: 128, seed: 3}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: \(lr), momentum: 0.9}}
              batch: 64
              epochs: 1
            """.write(toFile: root + "/teacher.yaml", atomically: true, encoding: .utf8)
    }

    func writeStudent() throws {
        try """
            mimicc: 1
            name: student
            study: {family: MLP-1}
            model: {architecture: "16fc"}
            data: {dataset: synthetic, train: 256, validation: 128, seed: 3}
            teacher:
              trained: {spec: ../teacher.yaml, members: 2}
            train:
              loss: mimic
              optimizer: {sgd: {lr: 0.001, momentum: 0.9}}
              batch: 64
              epochs: 1
            """.write(toFile: root + "/study/student.yaml", atomically: true, encoding: .utf8)
    }

    func runStudy() throws -> (summary: StudyRunner.Summary, log: [String]) {
        let plan = try StudyPlan.make(directory: root + "/study").get()
        var runner = StudyRunner(storePath: root + "/results/study.sqlite", runsDirectory: root + "/results/runs")
        runner.threads = 2
        let lines = LogLines()
        let summary = try runner.run(plan, executor: TrainingExecutor(), log: lines.append)
        return (summary, lines.all)
    }

    func testTheTeacherIsTrainedOnceCachedAndRetrainedWhenItChanges() throws {
        try writeTeacher(lr: 0.02)
        try writeStudent()
        let first = try runStudy()
        XCTAssertEqual(first.summary.finished, 1)
        XCTAssertEqual(first.log.filter { $0.contains("small-teacher member") && $0.contains(": training -> ") }.count, 2,
                       first.log.joined(separator: "\n"))
        let teachers = try FileManager.default.contentsOfDirectory(atPath: root + "/results/teachers")
        XCTAssertEqual(teachers.count, 1)
        XCTAssertTrue(teachers[0].hasPrefix("small-teacher-"), "\(teachers)")
        let export = root + "/results/teachers/\(teachers[0])/logits-x2"
        for file in ["train_logits.npy", "train_logits_flip.npy", "test_logits.npy", "teacher.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: export + "/" + file), file)
        }
        // The student mimicked the export: its run's spec names those files.
        let record = try XCTUnwrap(try ResultsStore(path: root + "/results/study.sqlite").allTrials().first)
        let ran = try String(contentsOfFile: try XCTUnwrap(record.runDirectory) + "/spec.json", encoding: .utf8)
        XCTAssertTrue(ran.contains(export + "/train_logits.npy"), ran)
        XCTAssertFalse(ran.contains("trained"), ran)

        // The report has the teacher's row: the ensemble's test accuracy, from teacher.json.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/teacher.json")))
            as? [String: Any])
        let report = StudyReport.make(plan: try StudyPlan.make(directory: root + "/study").get(),
                                      trials: try ResultsStore(path: root + "/results/study.sqlite").allTrials(), published: nil,
                                      teachers: root + "/results/teachers")
        let row = try XCTUnwrap(report.cells.first { $0.role == "teacher" })
        XCTAssertEqual(row.family, "Teacher: teacher x2")
        XCTAssertEqual(row.best, try XCTUnwrap(json["ensemble_test_accuracy"] as? Double))
        XCTAssertTrue(report.families.contains("Teacher: teacher x2"))

        let second = try runStudy()
        XCTAssertEqual(second.summary, StudyRunner.Summary(finished: 0, failed: 0, skipped: 1, interrupted: false))
        XCTAssertFalse(second.log.contains { $0.contains(": training -> ") }, second.log.joined(separator: "\n"))

        try writeTeacher(lr: 0.03)
        let third = try runStudy()
        XCTAssertEqual(third.summary.finished, 1, "a new teacher makes the student a new experiment")
        XCTAssertEqual(third.log.filter { $0.contains(": training -> ") }.count, 2, third.log.joined(separator: "\n"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/results/teachers").count, 2)
    }

    func testTrainedTeacherSpecIsLintedAndExclusive() throws {
        try writeTeacher(lr: 0.02)
        let path = root + "/both.yaml"
        try """
            mimicc: 1
            model: {architecture: "16fc"}
            teacher:
              trained: {spec: teacher.yaml, members: 0}
              ensemble: [runs/a]
            train: {loss: mimic, optimizer: {sgd: {lr: 0.001}}, epochs: 1}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let codes = try SpecLoader().load(path).diagnostics.map(\.code)
        XCTAssertEqual(codes, [.conflictingOptions], "\(codes)")
        try """
            mimicc: 1
            model: {architecture: "16fc"}
            teacher:
              trained: {spec: teacher.yaml, members: 0}
            train: {loss: mimic, optimizer: {sgd: {lr: 0.001}}, epochs: 1}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SpecLoader().load(path).diagnostics.map(\.code), [.outOfRange])
        try """
            mimicc: 1
            model: {architecture: "16fc"}
            teacher: {trained: {spec: teacher.yaml}}
            train: {loss: mimic, optimizer: {sgd: {lr: 0.001}}, epochs: 1}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try XCTUnwrap(SpecLoader().load(path).spec)
        guard case .trained(let file, let members)? = spec.teacher else { return XCTFail("\(String(describing: spec.teacher))") }
        XCTAssertEqual(file.value, root + "/teacher.yaml")
        XCTAssertEqual(members, 1)
    }
}

import Foundation
import MimicBasics
import MimicData
import MimicDriver
import MimicTestSupport
import MimicTrain
import XCTest

/// compile-and-run end to end on the built-in synthetic data.
class RunnerTestsBase: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func spec(_ name: String, architecture: String, epochs: Int = 3, train: Int = 512, extra: String = "") throws -> String {
        let path = directory + "/\(name).yaml"
        try """
            mimicc: 1
            name: \(name)
            model:
              architecture: "\(architecture)"
            data: {dataset: synthetic, train: \(train), validation: 256, seed: 2}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.02, momentum: 0.9, nesterov: true}}
              batch: 32
              epochs: \(epochs)
              seed: 5
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The accuracy of exported logits on the synthetic test images of `spec`'s data seed.
    func testAccuracy(_ npy: String) throws -> Double {
        let logits = try NumpyArray.readMatrix(npy)
        let test = SyntheticData.generate(train: 512, validation: 256, test: 1000, seed: 2).test
        var correct = 0
        for n in 0..<logits.rows {
            let row = logits.values[(n * 10)..<((n + 1) * 10)]
            if row.indices.max(by: { row[$0] < row[$1] })! - n * 10 == Int(test.labels[n]) { correct += 1 }
        }
        return Double(correct) / Double(logits.rows)
    }

    func options(_ out: String) -> Runner.Options {
        var o = Runner.Options()
        o.out = out
        o.threads = 2
        return o
    }

    /// Options that resume the run in `directory`.
    func resuming(_ directory: String) -> Runner.Options {
        var o = Runner.Options()
        o.resume = directory
        o.threads = 2
        return o
    }

}

final class RunnerTests: RunnerTestsBase {
    func testTrainsAndWritesTheRunDirectory() throws {
        let file = try spec("small-cnn", architecture: "16c5-mp2-32fc")
        let out = directory + "/run"
        let result = try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)
        XCTAssertEqual(result.epochs, 3)
        XCTAssertEqual(result.stoppedBy, "epochs")
        XCTAssertEqual(result.parameters, 16 * 75 + 16 + 16 * 16 * 16 * 32 + 32 + 330)
        XCTAssertGreaterThanOrEqual(result.bestValidationAccuracy, 0)
        XCTAssertLessThanOrEqual(result.bestValidationAccuracy, 1)
        let metrics = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 3)
        XCTAssertTrue(metrics[0].hasPrefix("{\"epoch\": 1, \"train_loss\": "), String(metrics[0]))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/result.json"))) as? [String: Any]
        XCTAssertEqual(json?["name"] as? String, "small-cnn")
        XCTAssertEqual(json?["testAccuracy"] as? Double, result.testAccuracy)
        for name in ["spec.json", "spec.sha256", "provenance.json", "checkpoint-last.bin", "checkpoint-best.bin"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out).contains { $0.contains(".tmp-") })
        // The same spec again into the same directory is refused, not mixed.
        XCTAssertThrowsError(try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)) { error in
            XCTAssertTrue("\(error)".contains("already holds a run"), "\(error)")
        }
    }

    /// A run stopped after epoch 1 and resumed ends with the same weights as one that ran
    /// straight through; a changed spec is refused.
    func testResumeGivesTheSameResultAndRefusesAChangedSpec() throws {
        let file = try spec("resume", architecture: "8c3-mp2-24fc", epochs: 3)
        let straight = directory + "/straight", stopped = directory + "/stopped"
        let a = try Runner.run(file, options: options(straight), log: { _ in }, isTerminal: false)
        var first = options(stopped)
        first.stopAfterEpoch = 1
        XCTAssertThrowsError(try Runner.run(file, options: first, log: { _ in }, isTerminal: false)) { error in
            XCTAssertEqual((error as? Runner.Failure)?.exitCode, 130)
        }
        let again = resuming(stopped)
        let b = try Runner.run(file, options: again, log: { _ in }, isTerminal: false)
        XCTAssertEqual(a.testAccuracy, b.testAccuracy)
        let hash = SHA256.hash(Array(try String(contentsOfFile: straight + "/spec.json", encoding: .utf8).dropLast().utf8))
        XCTAssertEqual(try Checkpoint.read(straight + "/checkpoint-last.bin", expectedHash: hash).parameters,
                       try Checkpoint.read(stopped + "/checkpoint-last.bin", expectedHash: hash).parameters)
        XCTAssertEqual(FileManager.default.contents(atPath: straight + "/checkpoint-last.bin"),
                       FileManager.default.contents(atPath: stopped + "/checkpoint-last.bin"),
                       "a resumed run writes the same checkpoint bytes as one that never stopped")
        let changed = try spec("resume", architecture: "8c3-mp2-25fc", epochs: 3)
        XCTAssertThrowsError(try Runner.run(changed, options: again, log: { _ in }, isTerminal: false)) { error in
            XCTAssertTrue("\(error)".contains("different spec"), "\(error)")
        }
    }

    /// A run paused after an epoch (a search's rung) has a scored result marked `paused`;
    /// resumed, it continues the same schedule to the checkpoint a straight run writes.
    func testAPausedRunContinuesLikeOneThatNeverPaused() throws {
        let file = try spec("rung", architecture: "8c3-mp2-24fc", epochs: 3)
        let straight = directory + "/straight", rung = directory + "/rung"
        let whole = try Runner.run(file, options: options(straight), log: { _ in }, isTerminal: false)
        var first = options(rung)
        first.pauseAfterEpoch = 1
        let paused = try Runner.run(file, options: first, log: { _ in }, isTerminal: false)
        XCTAssertTrue(paused.isPaused)
        XCTAssertEqual(paused.epochs, 1)
        let written = try JSONDecoder().decode(TrainingResult.self, from: Data(contentsOf: URL(fileURLWithPath: rung + "/result.json")))
        XCTAssertEqual(written.stoppedBy, "paused")
        XCTAssertEqual(written.testAccuracy, paused.testAccuracy)
        var next = resuming(rung)
        next.pauseAfterEpoch = 2
        XCTAssertEqual(try Runner.run(file, options: next, log: { _ in }, isTerminal: false).epochs, 2)
        next.pauseAfterEpoch = nil
        let end = try Runner.run(file, options: next, log: { _ in }, isTerminal: false)
        XCTAssertEqual(end.stoppedBy, "epochs")
        XCTAssertEqual(end.testAccuracy, whole.testAccuracy)
        XCTAssertEqual(FileManager.default.contents(atPath: straight + "/checkpoint-last.bin"),
                       FileManager.default.contents(atPath: rung + "/checkpoint-last.bin"))
    }

    /// A stop in the middle of an epoch (as a signal asks) writes a mid-epoch checkpoint
    /// with its position; resumed, the run continues from that step and writes the same
    /// checkpoint bytes and metrics as one that never stopped. A stop after an epoch's last
    /// step ends that epoch first and resumes from its checkpoint.
    func testStopsMidEpochAndResumesFromTheSameStep() throws {
        let file = try spec("mid", architecture: "8c3-mp2-24fc", epochs: 2)
        let straight = directory + "/straight"
        _ = try Runner.run(file, options: options(straight), log: { _ in }, isTerminal: false)
        let hash = SHA256.hash(Array(try String(contentsOfFile: straight + "/spec.json", encoding: .utf8).dropLast().utf8))
        for (stopAfter, stepsDone) in [(19, 3), (16, 0)] {  // 16 steps an epoch: step 3 of epoch 2, the end of epoch 1
            let stopped = directory + "/stopped-\(stopAfter)"
            var first = options(stopped)
            first.stopAfterStep = stopAfter
            XCTAssertThrowsError(try Runner.run(file, options: first, log: { _ in }, isTerminal: false)) { error in
                let failure = error as? Runner.Failure
                XCTAssertEqual(failure?.exitCode, 130)
                XCTAssertEqual(failure?.isInterruption, true)
                XCTAssertTrue("\(error)".contains("Resume with: mimicc compile-and-run \(file) --resume \(stopped)"), "\(error)")
            }
            let interrupted = stopped + "/checkpoint-interrupted.bin"
            if stepsDone > 0 {
                let middle = try Checkpoint.read(interrupted, expectedHash: hash)
                XCTAssertEqual(middle.epoch, 1)
                XCTAssertEqual(middle.position.steps, stepsDone)
                XCTAssertGreaterThan(middle.position.lossSum, 0)
            } else {
                XCTAssertFalse(FileManager.default.fileExists(atPath: interrupted), "an epoch's end needs no mid-epoch checkpoint")
                XCTAssertEqual(try Checkpoint.read(stopped + "/checkpoint-last.bin", expectedHash: hash).epoch, 1)
            }
            func provenance() throws -> [String: Any] {
                try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stopped + "/provenance.json")))
                    as? [String: Any])
            }
            let firstAttempt = try provenance()
            XCTAssertEqual(firstAttempt["attempt"] as? Int, 1)
            var again = resuming(stopped)
            again.threads = 1
            var messages: [String] = []
            _ = try Runner.run(file, options: again, log: { messages.append($0) }, isTerminal: false)
            let secondAttempt = try provenance()
            XCTAssertEqual(secondAttempt["attempt"] as? Int, 2, "the resumed attempt counts")
            XCTAssertEqual(secondAttempt["threads"] as? Int, 1, "and says how it ran")
            XCTAssertEqual(secondAttempt["firstStarted"] as? String, firstAttempt["started"] as? String, "the first start is kept")
            if stepsDone > 0 {
                XCTAssertTrue(messages.contains("resuming epoch 2 of 2 after step 3, where it was interrupted"), "\(messages)")
            }
            XCTAssertEqual(FileManager.default.contents(atPath: straight + "/checkpoint-last.bin"),
                           FileManager.default.contents(atPath: stopped + "/checkpoint-last.bin"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: interrupted))
            func losses(_ run: String) throws -> [Substring] {
                try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
                    .map { $0.split(separator: ",")[1] }
            }
            XCTAssertEqual(try losses(stopped), try losses(straight), "each epoch's mean loss once, as if it never stopped")
        }
    }

    func testCNNBeatsMLPOfTheSameBudgetOnSyntheticData() throws {
        // The motifs sit anywhere in the image: weight sharing and pooling find them from 2000
        // images, a fully connected network of the same size does much worse.
        let cnn = try Runner.run(try spec("cnn", architecture: "16c5-mp4-depfc", epochs: 6, train: 2000).replacingBudget(),
                                 options: options(directory + "/cnn"), log: { _ in }, isTerminal: false)
        let mlp = try Runner.run(try spec("mlp", architecture: "depfc-32fc", epochs: 6, train: 2000).replacingBudget(),
                                 options: options(directory + "/mlp"), log: { _ in }, isTerminal: false)
        XCTAssertEqual(Double(cnn.parameters), Double(mlp.parameters), accuracy: 0.05 * 100_000)
        XCTAssertGreaterThan(cnn.testAccuracy, 0.6, "the CNN learns")
        XCTAssertGreaterThan(cnn.testAccuracy, mlp.testAccuracy + 0.2, "cnn \(cnn.testAccuracy), mlp \(mlp.testAccuracy)")
    }

    func testMissingDataAndLogitsAreClearErrors() throws {
        let file = directory + "/cifar.yaml"
        try """
            mimicc: 1
            model: {architecture: "16c5-mp2-32fc"}
            data: {dataset: cifar10, path: \(directory)/no-data}
            teacher: {logits: {train: t.npy, test: t.npy}}
            train: {loss: mimic, optimizer: {sgd: {lr: 0.01}}, epochs: 1}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Runner.run(file, options: options(directory + "/x"), log: { _ in }, isTerminal: false)) { error in
            XCTAssertEqual((error as? Runner.Failure)?.exitCode, 2)
            XCTAssertTrue("\(error)".contains("mimicc data import"), "\(error)")
        }
        let synthetic = directory + "/synthetic.yaml"
        try NumpyArray.write(NumpyArray.Matrix(rows: 10, columns: 10, values: [Float](repeating: 0, count: 100)), to: directory + "/t.npy")
        try """
            mimicc: 1
            model: {architecture: "16c5-mp2-32fc"}
            data: {dataset: synthetic, train: 64, validation: 32}
            teacher: {logits: {train: t.npy, test: t.npy}}
            train: {loss: mimic, optimizer: {sgd: {lr: 0.01}}, epochs: 1}
            """.write(toFile: synthetic, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Runner.run(synthetic, options: options(directory + "/y"), log: { _ in }, isTerminal: false)) { error in
            XCTAssertTrue("\(error)".contains("have 10 rows; the data set has 96 images"), "\(error)")
        }
    }
}

extension String {
    /// Adds a 100k budget to a spec written by `spec(_:architecture:)` (for a dependent width).
    func replacingBudget() throws -> String {
        var text = try String(contentsOfFile: self, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"\n", with: "\"\n  budget: {params: 100k, tolerance: 5%}\n")
        try text.write(toFile: self, atomically: true, encoding: .utf8)
        return self
    }
}

final class LogitsExportTests: RunnerTestsBase {
    /// The exported test logits of a run classify the test split exactly as the run's own
    /// test evaluation did; an ensemble of one run twice averages to the same logits.
    func testExportedLogitsReproduceTheRunsTestAccuracy() throws {
        let file = try spec("teacher", architecture: "8c5-mp2-24fc", epochs: 2, train: 512)
        let out = directory + "/teacher-run"
        let result = try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)
        let single = directory + "/single.npy", double = directory + "/double.npy"
        let shape = try LogitsExport.export(runs: [out], split: .test, flipped: false, out: single, threads: 2)
        XCTAssertEqual(shape.rows, 1000)
        XCTAssertEqual(shape.columns, 10)
        let logits = try NumpyArray.readMatrix(single)
        XCTAssertEqual(try testAccuracy(single), result.testAccuracy, accuracy: 1e-9)
        _ = try LogitsExport.export(runs: [out, out], split: .test, flipped: false, out: double, threads: 2)
        let averaged = try NumpyArray.readMatrix(double).values
        for (a, b) in zip(averaged, logits.values) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let train = try LogitsExport.export(runs: [out], split: .train, flipped: true, out: directory + "/flip.npy", threads: 2)
        XCTAssertEqual(train.rows, 512 + 256)
    }

    /// With `tested: last` the last epoch's weights are tested, and `mimicc logits
    /// --checkpoint last` exports those same weights' logits.
    func testTheLastEpochIsTestedWhenTheSpecSaysSo() throws {
        let file = try spec("last", architecture: "8c5-mp2-24fc", epochs: 3, train: 512, extra: "  tested: last")
        let out = directory + "/last-run"
        let result = try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)
        XCTAssertEqual(result.testedEpoch, 3)
        let last = directory + "/last.npy"
        _ = try LogitsExport.export(runs: [out], split: .test, flipped: false, out: last, threads: 2, checkpoint: .last)
        XCTAssertEqual(try testAccuracy(last), result.testAccuracy, accuracy: 1e-9)
        // The summary names the tested epoch when it is not the best one.
        let summary = Runner.summary(result)
        let named = String(format: "test accuracy %.2f%% (epoch 3)", 100 * result.testAccuracy)
        XCTAssertEqual(summary.contains(named), result.bestEpoch != 3, summary)
    }

}

final class EnsembleTeacherTests: RunnerTestsBase {
    /// A student mimics the mean logits of two trained runs computed on its own augmented
    /// batches, and learns the task from them alone (no labels in the mimic loss).
    func testStudentLearnsFromAnEnsembleOfRuns() throws {
        var teachers: [String] = []
        for seed in [5, 6] {
            let file = try spec("teacher\(seed)", architecture: "16c5-mp4-32fc", epochs: 4, train: 2000)
            var text = try String(contentsOfFile: file, encoding: .utf8)
            text = text.replacingOccurrences(of: "seed: 5", with: "seed: \(seed)")
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let out = directory + "/teacher\(seed)"
            let result = try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)
            XCTAssertGreaterThan(result.testAccuracy, 0.3)
            teachers.append(out)
        }
        let student = directory + "/student.yaml"
        try """
            mimicc: 1
            name: student
            model: {architecture: "16c5-mp4-32fc"}
            data: {dataset: synthetic, train: 2000, validation: 256, seed: 2, augment: {flip: true}}
            teacher: {ensemble: [\(teachers.joined(separator: ", "))]}
            train:
              loss: mimic
              optimizer: {sgd: {lr: 0.0003, momentum: 0.9, nesterov: true}}
              batch: 32
              epochs: 3
              seed: 9
            """.write(toFile: student, atomically: true, encoding: .utf8)
        var messages: [String] = []
        let result = try Runner.run(student, options: options(directory + "/student"), log: { messages.append($0) }, isTerminal: false)
        XCTAssertTrue(messages.contains("teacher: the mean of 2 run(s), on every augmented batch"), "\(messages)")
        XCTAssertGreaterThan(result.testAccuracy, 0.25, "the student learns from the teachers' logits")
        let metrics = try String(contentsOfFile: directory + "/student/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        func loss(_ line: Substring) -> Double {
            Double(line.split(separator: ",")[1].split(separator: ":")[1].trimmingCharacters(in: .whitespaces))!
        }
        XCTAssertLessThan(loss(metrics.last!), loss(metrics.first!))
    }
}

final class DivergenceTests: RunnerTestsBase {
    /// A search's trial that diverges after an epoch is scored by its best checkpoint: the
    /// result is the one a run paused after that epoch reports, marked as diverged.
    func testADivergenceAfterAnEpochIsScoredByTheBestCheckpoint() throws {
        let file = try spec("late", architecture: "8c3-mp2-24fc", epochs: 3, train: 256)
        var paused = options(directory + "/paused")
        paused.pauseAfterEpoch = 1
        let atOne = try Runner.run(file, options: paused, log: { _ in }, isTerminal: false)
        var diverging = options(directory + "/diverging")
        diverging.poisonParametersAtStep = 8 + 3  // 256 images in batches of 32: epoch 2, step 3
        XCTAssertThrowsError(try Runner.run(file, options: diverging, log: { _ in }, isTerminal: false)) { error in
            XCTAssertEqual((error as? Runner.Failure)?.exitCode, 1, "without keepBestOnDivergence the run fails")
        }
        var kept = options(directory + "/kept")
        kept.poisonParametersAtStep = 8 + 3
        kept.keepBestOnDivergence = true
        let lines = LogLines()
        let result = try Runner.run(file, options: kept, log: { lines.append($0) }, isTerminal: false)
        XCTAssertEqual(result.stoppedBy, "diverged")
        XCTAssertEqual(result.epochs, 1)
        XCTAssertEqual(result.bestEpoch, 1)
        XCTAssertEqual(result.bestValidationAccuracy, atOne.bestValidationAccuracy)
        XCTAssertEqual(result.testAccuracy, atOne.testAccuracy)
        XCTAssertTrue(lines.text.contains("at epoch 2, step 3; training stopped"), lines.text)
        XCTAssertTrue(lines.text.contains("scoring the best epoch's checkpoint"), lines.text)
    }

    /// Where the loss overflows depends on the CPU's rounding (seen: epoch 1 on one machine,
    /// epoch 2, step 3 on another), so the test reads the epoch from the message and checks
    /// that everything the message says about it holds.
    func testANaNLossStopsTheRunAndSaysWhere() throws {
        let file = try spec("diverges", architecture: "8c5-mp4-16fc", epochs: 2, train: 256)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "lr: 0.02", with: "lr: 100000000")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let out = directory + "/d"
        var message = ""
        XCTAssertThrowsError(try Runner.run(file, options: options(out), log: { _ in }, isTerminal: false)) { error in
            XCTAssertEqual((error as? Runner.Failure)?.exitCode, 1)
            message = "\(error)"
        }
        let match = try XCTUnwrap(message.firstMatch(of: /the loss became (\S+) at epoch (\d+), step (\d+); training stopped/), message)
        let (epoch, step) = (Int(match.output.2)!, Int(match.output.3)!)
        XCTAssertFalse(Double(match.output.1)?.isFinite ?? false, "the loss it names is not finite: \(message)")
        XCTAssertTrue((1...2).contains(epoch), message)
        XCTAssertTrue((1...8).contains(step), "256 images in batches of 32: \(message)")
        if epoch == 1 {
            XCTAssertTrue(message.contains("no epoch had finished; lower the learning rate"), message)
        } else {
            XCTAssertTrue(message.contains("\(out)/checkpoint-last.bin holds the last good epoch (\(epoch - 1)); lower the learning rate"), message)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/checkpoint-last.bin"), "the checkpoint it names exists")
        }
        let metrics = (try? String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8)) ?? ""
        XCTAssertEqual(metrics.split(separator: "\n").count, epoch - 1, "one metrics line per finished epoch")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/result.json"), "no result for a failed run")
    }
}

import Foundation
import MimicBasics

/// Checkpoints at the end of every epoch (the last, and the best by validation accuracy) and
/// in the middle of one when a signal stops the run, restoring one, and the run's end: the test split scored once and result.json written.
extension Trainer {
    /// What a run stopped during `epoch` keeps: the last finished epoch's checkpoint.
    func kept(_ epoch: Int) -> String {
        epoch > 1 ? "\(directory.lastCheckpoint) holds the last good epoch (\(epoch - 1))" : "no epoch had finished"
    }

    func restore(_ c: Checkpoint) {
        _ = trainer.parameters.update(from: c.parameters)
        _ = optimizer.state.update(from: c.optimizer)
        _ = trainer.state.update(from: c.state)
        if let average, c.average.count == average.average.count { average.average = c.average }
    }

    func checkpoint(_ schedule: LearningRateSchedule, bestAccuracy: Double, at position: Checkpoint.Position = .epochStart) -> Checkpoint {
        Checkpoint(specHash: hash, epoch: schedule.epoch, parameters: Array(trainer.parameters),
                   optimizer: Array(optimizer.state), state: Array(trainer.state), schedule: schedule,
                   bestAccuracy: bestAccuracy, average: average?.average ?? [], position: position)
    }

    /// Writes the epoch's checkpoint as the last one, and as the best one when it improved;
    /// then a mid-epoch checkpoint an earlier stop left is out of date, and goes.
    func saveEpoch(_ schedule: LearningRateSchedule, bestAccuracy: Double, improved: Bool) throws {
        let checkpoint = checkpoint(schedule, bestAccuracy: bestAccuracy)
        try checkpoint.write(to: directory.lastCheckpoint)
        if improved { try checkpoint.write(to: directory.bestCheckpoint) }
        if FileManager.default.fileExists(atPath: directory.interruptedCheckpoint) {
            try FileManager.default.removeItem(atPath: directory.interruptedCheckpoint)
        }
    }

    /// Writes the mid-epoch checkpoint of a run a signal stopped: the epoch's steps so far are
    /// in the weights, and `position` says how many there were.
    func saveInterrupted(_ schedule: LearningRateSchedule, bestAccuracy: Double, at position: Checkpoint.Position) throws {
        try checkpoint(schedule, bestAccuracy: bestAccuracy, at: position).write(to: directory.interruptedCheckpoint)
    }

    /// The test split, once, with the best weights or the last; then result.json.
    /// `paused`: a rung of a search ends here and the run may continue later.
    func finish(_ schedule: LearningRateSchedule, started: Date, imagesPerSecond: Double, paused: Bool = false) throws -> TrainingResult {
        let best = try Checkpoint.read(directory.bestCheckpoint, expectedHash: hash)
        let tested = train.tested == .best ? best : try Checkpoint.read(directory.checkpoint(train.tested), expectedHash: hash)
        restore(tested)
        let scored = evaluateWithAndWithoutViews(data.splits.test, tta: train.tta)
        let test = scored.views
        let plain = train.tta == .none ? nil : scored.alone
        let result = TrainingResult(
            name: spec.name, specHash: SHA256.hexString(hash), parameters: trainer.plan.parameterCount, epochs: schedule.epoch,
            bestEpoch: best.epoch, bestValidationAccuracy: best.bestAccuracy, testAccuracy: test, testedEpoch: tested.epoch,
            testViews: train.tta == .none ? nil : train.tta.rawValue, testAccuracyWithoutViews: plain,
            stoppedBy: paused ? TrainingResult.paused : schedule.stopReason?.rawValue ?? "epochs", wallSeconds: Date().timeIntervalSince(started),
            imagesPerSecond: imagesPerSecond)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try directory.write(String(decoding: try encoder.encode(result), as: UTF8.self) + "\n", to: directory.resultFile)
        return result
    }
}

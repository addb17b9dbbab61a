import Foundation
import MimicBasics
import MimicData

/// What every training step reads, bound once: the batcher, two host buffers (the
/// background thread fills one while the other is copied in), the executor's input and
/// target memory, and an ensemble teacher if there is one.
final class StepFeed {
    let batcher: Batcher
    let buffers: [HostBatch]
    let input: UnsafeMutablePointer<Float>
    let teacher: UnsafeMutablePointer<Float>?
    let labels: UnsafeMutablePointer<Float>?
    let ensemble: TeacherEnsemble?
    let prefetcher = Prefetcher()
    let stepsPerEpoch: Int
    let inputSize: Int

    init(_ t: Trainer) throws {
        let spec = t.spec, data = t.data, batch = t.train.batch
        batcher = Batcher(set: data.splits.train, teacher: data.teacherTrain, teacherFlipped: data.teacherTrainFlipped,
                          classes: data.classes, normalize: spec.data?.normalize ?? .perImage,
                          inputScale: spec.data?.inputScale ?? 1, augmentation: spec.data?.augment,
                          statisticsFrom: data.splits.train)
        stepsPerEpoch = data.splits.train.count / batch
        guard stepsPerEpoch > 0 else {
            throw TrainingError(message: "the training split has \(data.splits.train.count) images, fewer than one batch of \(batch)", exitCode: 1)
        }
        // The same arena places are filled every step.
        let (inputID, teacherID, labelID) = t.feeds(t.trainer.plan.graph)
        input = t.trainer.pointer(inputID)!
        teacher = teacherID.flatMap { t.trainer.pointer($0) }
        labels = labelID.flatMap { t.trainer.pointer($0) }
        inputSize = data.splits.train.imageSize
        buffers = (0..<2).map { [inputSize] _ in HostBatch(batch: batch, inputSize: inputSize, classes: data.classes) }
        ensemble = data.ensemble.isEmpty ? nil : try TeacherEnsemble(
            runs: data.ensemble, batch: batch, threads: t.options.threads, classes: data.classes, statistics: batcher.statistics)
        if ensemble != nil { t.log("teacher: the mean of \(data.ensemble.count) run(s), on every augmented batch") }
    }
}

/// The loss stopped being finite during an epoch (the run decides whether that fails it).
struct Divergence: Error {
    var message: String
}

extension Trainer {
    /// One epoch of steps over the shuffled training split, from step `position.steps` (a run
    /// resumed mid-epoch) to the end: returns the mean loss and the seconds it took. Stops with
    /// the step where the loss stopped being finite (the last finished epoch's checkpoint is
    /// kept), or, when a signal asks, after the current step with a mid-epoch checkpoint.
    func trainEpoch(_ epoch: Int, schedule: LearningRateSchedule, bestAccuracy: Double, from position: Checkpoint.Position,
                    _ feed: StepFeed) throws -> (meanLoss: Double, seconds: Double) {
        let batch = train.batch, steps = feed.stepsPerEpoch
        var order = Array(0..<data.splits.train.count)
        var shuffler = SeededGenerator(seed: UInt64(train.seed) &* 1_000_003 &+ UInt64(epoch))
        order.shuffle(using: &shuffler)
        let epochSeed = UInt64(train.seed) << 32 | UInt64(epoch)
        func prepare(_ step: Int) {
            let host = feed.buffers[step % 2]
            let indices = order[(step * batch)..<((step + 1) * batch)]
            let box = UncheckedBox((feed.batcher, host, indices))
            feed.prefetcher.start {
                let (batcher, host, indices) = box.value
                batcher.fill(indices, seed: epochSeed, input: host.input, teacher: host.teacher, labels: host.labels, raw: host.raw)
            }
        }
        let first = min(position.steps, steps)
        prepare(first)
        let start = Date()
        var lossSum = position.lossSum
        func seconds() -> Double { position.seconds + Date().timeIntervalSince(start) }
        for step in first..<steps {
            feed.prefetcher.wait()
            let host = feed.buffers[step % 2]
            if let ensemble = feed.ensemble {
                ensemble.logits(raw: host.raw, batch: batch, size: feed.inputSize,
                                plane: data.splits.train.height * data.splits.train.width, into: host.teacher)
            }
            feed.input.update(from: host.input, count: batch * feed.inputSize)
            feed.teacher?.update(from: host.teacher, count: batch * data.classes)
            feed.labels?.update(from: host.labels, count: batch)
            if step + 1 < steps { prepare(step + 1) }
            trainer.dropoutSeed = UInt64(train.seed) << 40 ^ UInt64(epoch) << 20 ^ UInt64(step)
            if options.poisonParametersAtStep == (epoch - 1) * steps + step + 1 {
                for i in trainer.parameters.indices { trainer.parameters[i] = .nan }
            }
            trainer.run()
            guard trainer.loss.isFinite else {
                feed.prefetcher.wait()
                throw Divergence(
                    message: "the loss became \(trainer.loss) at epoch \(epoch), step \(step + 1); training stopped. \(kept(epoch)); "
                        + "lower the learning rate")
            }
            if let clip = train.clipGradientNorm { GradientClip.apply(trainer.gradients, maxNorm: clip) }
            optimizer.step(parameters: trainer.parameters.baseAddress!, gradients: trainer.gradients.baseAddress!,
                           lr: schedule.rate(step: step, stepsPerEpoch: steps),
                           momentum: schedule.momentum(step: step, stepsPerEpoch: steps))
            average?.afterStep((epoch - 1) * steps + step + 1, of: train.epochs * steps,
                               parameters: trainer.parameters, state: trainer.state)
            lossSum += trainer.loss
            // After an epoch's last step the epoch ends as usual, and the run stops after it
            // (see `run`): its own checkpoint is the place to resume from.
            if stopRequested(afterStep: (epoch - 1) * steps + step + 1), step + 1 < steps {
                feed.prefetcher.wait()
                let done = Checkpoint.Position(steps: step + 1, lossSum: lossSum, seconds: seconds())
                try saveInterrupted(schedule, bestAccuracy: bestAccuracy, at: done)
                if options.isTerminal { clearProgress() }
                throw interrupted("during epoch \(epoch) (after step \(step + 1) of \(steps)); the run is saved mid-epoch in "
                                  + "\(directory.interruptedCheckpoint)")
            }
            if options.isTerminal && (step % 10 == 0 || step + 1 == steps) {
                progress(epoch: epoch, step: step + 1, of: steps, loss: lossSum / Double(step + 1), since: start,
                         resumedAt: first)
            }
        }
        // Lookahead ends with the weights at their average, before the last validation.
        if epoch == train.epochs { average?.blend(1, parameters: trainer.parameters, state: trainer.state) }
        return (lossSum / Double(steps), seconds())
    }

    /// Whether a signal (or a test's `stopAfterStep`) asks the run to stop after this step,
    /// counted from the start of training.
    func stopRequested(afterStep step: Int) -> Bool {
        Interruption.isRequested || options.stopAfterStep == step
    }

    /// The error a stopped run ends with, with the signal's exit status (the command adds
    /// how to resume: a study resumes its trials itself).
    func interrupted(_ when: String) -> TrainingError {
        TrainingError(message: "interrupted by \(Interruption.signalName) \(when)", exitCode: Interruption.exitStatus)
    }
}

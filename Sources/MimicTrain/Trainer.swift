/// MimicTrain trains a compiled spec: the epoch loop, evaluation, checkpoints and run
/// directories, learning-rate schedules, and teachers evaluated from runs.

import Dispatch
import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary

/// Trains a compiled spec: epochs of shuffled, augmented batches prepared on a background
/// thread; the optimizer and schedule of the spec; validation after every epoch, keeping the
/// best checkpoint; the test split evaluated once, with the best weights (or the last ones,
/// as `train.tested` says). The loop is here; one epoch's steps in Trainer+Epoch.swift,
/// evaluation in Trainer+Evaluation.swift, checkpoints and the result in
/// Trainer+Checkpoints.swift, the progress line in Trainer+Progress.swift.
public final class Trainer {
    public struct Options: Sendable {
        public var threads: Int
        public var evaluationBatch = 250
        public var isTerminal = false
        /// Stop as if interrupted once this many epochs are done (tests of resuming).
        public var stopAfterEpoch: Int?
        /// Stop as if a signal came during this step, counted from the start of training
        /// (tests of resuming mid-epoch).
        public var stopAfterStep: Int?
        /// End this invocation after this epoch with the test split scored and result.json
        /// written (`stoppedBy: paused`), the schedule still open: a multi-fidelity search's
        /// rung. Resuming the run continues the same schedule.
        public var pauseAfterEpoch: Int?
        /// When the loss stops being finite after an epoch has finished, end the run as
        /// diverged and score its best checkpoint (a search keeps what the trial achieved)
        /// instead of failing.
        public var keepBestOnDivergence = false
        /// Set every parameter to NaN before this step, counted from the start of training:
        /// a divergence that happens at the same step on every CPU (tests).
        public var poisonParametersAtStep: Int?

        public init(threads: Int) { self.threads = threads }
    }

    let spec: Spec
    let train: TrainConfig
    let data: TrainingData
    let directory: RunDirectory
    let hash: [UInt8]
    let options: Options
    let log: (String) -> Void
    let trainer: Executor
    let evaluator: Executor
    let optimizer: MimicRuntime.Optimizer
    let loss: LossKind
    /// Lookahead's trailing average, when the spec asks for it.
    private(set) var average: WeightAverage?

    public init(spec: Spec, analysis: ModelAnalysis, specHash: [UInt8], data: TrainingData, directory: RunDirectory,
                options: Options, log: @escaping (String) -> Void) throws {
        guard let train = spec.train else { throw TrainingError(message: "spec '\(spec.name)' has no 'train' section", exitCode: 1) }
        self.spec = spec
        self.train = train
        self.data = data
        self.directory = directory
        self.hash = specHash
        self.options = options
        self.log = log
        loss = train.loss
        // The evaluator's graph is not folded, so that both share the parameter layout.
        let training = try Compilation.compile(analysis, name: spec.name, purpose: .training(loss),
                                               options: Compilation.Options(batch: train.batch))
        let inference = try Compilation.compile(analysis, name: spec.name, purpose: .inference(folding: false),
                                                options: Compilation.Options(batch: options.evaluationBatch))
        let rule = train.optimizer.rule
        let parameters = training.plan.parameterCount, float = MemoryLayout<Float>.size
        try MemoryCheck.ensureFits(
            Executor.requiredBytes(training.plan, threads: options.threads)
                + Executor.requiredBytes(inference.plan, threads: options.threads).map { ("evaluation's \($0.what)", $0.bytes) }
                + [("optimizer state", SaturatingCount.product(rule.stateSlots, parameters, float)),
                   ("lookahead's average", train.lookahead == nil ? 0 : SaturatingCount.product(2, parameters, float))],
            doing: "training '\(spec.name)'", hint: "lower train.batch, or the model's widths")
        trainer = Executor(plan: training.plan, threads: options.threads)
        evaluator = Executor(plan: inference.plan, threads: options.threads)
        precondition(trainer.plan.parameterCount == evaluator.plan.parameterCount, "internal error: parameter layouts differ")
        let groups = MimicRuntime.Optimizer.groups(training.plan, train.groups, decay: rule.weightDecay, baseRate: train.optimizer.lr)
        optimizer = MimicRuntime.Optimizer(rule, parameterCount: trainer.plan.parameterCount, groups: groups, threads: options.threads)
        trainer.dropoutSeed = UInt64(train.seed)
        Initializer.initialize(trainer, train.initScheme, scale: train.initScale, seed: UInt64(train.seed))
        try whiten()
        average = train.lookahead.map { WeightAverage($0, parameters: trainer.parameters, state: trainer.state) }
    }

    var initialRate: Double { train.optimizer.lr }

    /// The graph value of the input and each target kind.
    func feeds(_ g: Graph) -> (input: ValueID, teacher: ValueID?, label: ValueID?) {
        let input = g.values.first { $0.role == .input }!.id
        let teacher = g.values.first { $0.role == .target && $0.name == "teacher" }?.id
        let label = g.values.first { $0.role == .target && $0.name == "label" }?.id
        return (input, teacher, label)
    }

    /// Trains from the start, or from `resume`'s epoch (and step, for a checkpoint written
    /// mid-epoch), to the end of the schedule; then scores the test split once and writes
    /// result.json.
    public func run(resume: Checkpoint?) throws -> TrainingResult {
        let started = Date()
        var schedule = LearningRateSchedule(train.schedule, initialRate: initialRate, epochs: train.epochs)
        var bestAccuracy = -1.0
        var position = Checkpoint.Position.epochStart
        if let resume {
            restore(resume)
            schedule = resume.schedule
            bestAccuracy = resume.bestAccuracy
            position = resume.position
            log(position.steps > 0
                ? "resuming epoch \(resume.epoch + 1) of \(train.epochs) after step \(position.steps), where it was interrupted"
                : "resuming after epoch \(resume.epoch) of \(train.epochs)")
        }
        let feed = try StepFeed(self)
        var imagesPerSecond = 0.0
        var running = schedule.stopReason == nil && schedule.epoch < train.epochs
        while running {
            let epoch = schedule.epoch + 1
            let meanLoss: Double, seconds: Double
            do {
                (meanLoss, seconds) = try trainEpoch(epoch, schedule: schedule, bestAccuracy: bestAccuracy, from: position, feed)
            } catch let divergence as Divergence {
                guard options.keepBestOnDivergence, epoch > 1 else {
                    throw TrainingError(message: divergence.message, exitCode: 1)
                }
                // The schedule as the last finished epoch left it, marked as ended here.
                let last = try Checkpoint.read(directory.lastCheckpoint, expectedHash: hash)
                var ended = last.schedule
                ended.stopReason = .diverged
                log(divergence.message.replacingOccurrences(of: "; lower the learning rate", with: "")
                    + "; scoring the best epoch's checkpoint")
                return try finish(ended, started: started, imagesPerSecond: imagesPerSecond)
            }
            position = .epochStart
            imagesPerSecond = Double(feed.stepsPerEpoch * train.batch) / seconds
            let accuracy = evaluate(data.splits.validation)
            let rate = schedule.rate(step: feed.stepsPerEpoch - 1, stepsPerEpoch: feed.stepsPerEpoch)
            running = schedule.endEpoch(validationError: 1 - accuracy)
            let improved = accuracy > bestAccuracy
            if improved { bestAccuracy = accuracy }
            try saveEpoch(schedule, bestAccuracy: bestAccuracy, improved: improved)
            try directory.appendMetrics(String(
                format: "{\"epoch\": %d, \"train_loss\": %.6f, \"validation_accuracy\": %.4f, \"learning_rate\": %.6g, \"images_per_second\": %.1f, \"seconds\": %.2f}",
                epoch, meanLoss, accuracy, rate, imagesPerSecond, seconds))
            if options.isTerminal { clearProgress() }
            log(String(format: "epoch %d/%d  loss %.4f  validation %.2f%%%@  lr %.3g  %.0f img/s  %.1f s",
                       epoch, train.epochs, meanLoss, 100 * accuracy, improved ? " (best)" : "", rate, imagesPerSecond, seconds))
            if let pause = options.pauseAfterEpoch, schedule.epoch >= pause, running {
                log("pausing after epoch \(schedule.epoch) of \(train.epochs), as the search's rung asks")
                return try finish(schedule, started: started, imagesPerSecond: imagesPerSecond, paused: true)
            }
            if let stop = options.stopAfterEpoch, schedule.epoch >= stop, running {
                throw TrainingError(message: "stopped after epoch \(schedule.epoch) as asked", exitCode: 130)
            }
            if running, stopRequested(afterStep: epoch * feed.stepsPerEpoch) {
                throw interrupted("at the end of epoch \(epoch); its checkpoint, \(directory.lastCheckpoint), is where the run resumes")
            }
        }
        return try finish(schedule, started: started, imagesPerSecond: imagesPerSecond)
    }
}

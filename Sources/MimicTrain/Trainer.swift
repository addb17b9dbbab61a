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

/// The data a run trains and evaluates on, with the teacher's logits for each split in the
/// split's order ([images, classes]); nil where the loss does not need them.
public struct TrainingData: Sendable {
    public var splits: Splits
    public var classes: Int
    public var teacherTrain: [Float]?
    public var teacherTrainFlipped: [Float]?
    /// Run directories of an ensemble teacher, evaluated on each augmented batch instead.
    public var ensemble: [String] = []

    public init(splits: Splits, classes: Int, teacherTrain: [Float]?, teacherTrainFlipped: [Float]?) {
        self.splits = splits
        self.classes = classes
        self.teacherTrain = teacherTrain
        self.teacherTrainFlipped = teacherTrainFlipped
    }
}

/// What a finished run reports (written as result.json).
public struct TrainingResult: Codable, Sendable {
    public var name: String
    public var specHash: String
    public var parameters: Int
    public var epochs: Int
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double
    public var testAccuracy: Double
    /// The epoch whose weights scored `testAccuracy`: the best epoch's, or with
    /// `train.tested: last` the last one's. Absent in results written before it existed.
    public var testedEpoch: Int?
    public var stoppedBy: String
    public var wallSeconds: Double
    public var imagesPerSecond: Double
}

public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32
    public var description: String { message }
}

/// Trains a compiled spec: epochs of shuffled, augmented batches prepared on a background
/// thread; the optimizer and schedule of the spec; validation after every epoch, keeping the
/// best checkpoint; the test split evaluated once, with the best weights (or the last ones,
/// as `train.tested` says).
public final class Trainer {
    public struct Options: Sendable {
        public var threads: Int
        public var evaluationBatch = 250
        public var isTerminal = false
        /// Stop as if interrupted once this many epochs are done (tests of resuming).
        public var stopAfterEpoch: Int?

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
        trainer = Executor(plan: training.plan, threads: options.threads)
        evaluator = Executor(plan: inference.plan, threads: options.threads)
        precondition(trainer.plan.parameterCount == evaluator.plan.parameterCount, "internal error: parameter layouts differ")
        optimizer = MimicRuntime.Optimizer(train.optimizer.rule, parameterCount: trainer.plan.parameterCount, threads: options.threads)
        trainer.dropoutSeed = UInt64(train.seed)
        Initializer.initialize(trainer, train.initScheme, scale: train.initScale, seed: UInt64(train.seed))
    }

    var initialRate: Double { train.optimizer.lr }

    /// The graph value of the input and each target kind.
    func feeds(_ g: Graph) -> (input: ValueID, teacher: ValueID?, label: ValueID?) {
        let input = g.values.first { $0.role == .input }!.id
        let teacher = g.values.first { $0.role == .target && $0.name == "teacher" }?.id
        let label = g.values.first { $0.role == .target && $0.name == "label" }?.id
        return (input, teacher, label)
    }

    public func run(resume: Checkpoint?) throws -> TrainingResult {
        let started = Date()
        var schedule = LearningRateSchedule(train.schedule, initialRate: initialRate, epochs: train.epochs)
        var bestAccuracy = -1.0
        if let resume {
            restore(resume)
            schedule = resume.schedule
            bestAccuracy = resume.bestAccuracy
            log("resuming after epoch \(resume.epoch) of \(train.epochs)")
        }
        let batcher = Batcher(set: data.splits.train, teacher: data.teacherTrain, teacherFlipped: data.teacherTrainFlipped,
                              classes: data.classes, normalize: spec.data?.normalize ?? .perImage,
                              inputScale: spec.data?.inputScale ?? 1, augmentation: spec.data?.augment,
                              statisticsFrom: data.splits.train)
        let batch = train.batch
        let stepsPerEpoch = data.splits.train.count / batch
        guard stepsPerEpoch > 0 else {
            throw TrainingError(message: "the training split has \(data.splits.train.count) images, fewer than one batch of \(batch)", exitCode: 1)
        }
        // Bound once: the same arena places are filled every step.
        let (inputID, teacherID, labelID) = feeds(trainer.plan.graph)
        let inputMemory = trainer.pointer(inputID)!
        let teacherMemory = teacherID.flatMap { trainer.pointer($0) }
        let labelMemory = labelID.flatMap { trainer.pointer($0) }
        let inputSize = data.splits.train.imageSize
        // Two host buffers: the background thread fills one while the other is copied in.
        let buffers = (0..<2).map { _ in HostBatch(batch: batch, inputSize: inputSize, classes: data.classes) }
        let ensemble = data.ensemble.isEmpty ? nil : try TeacherEnsemble(
            runs: data.ensemble, batch: batch, threads: options.threads, classes: data.classes, statistics: batcher.statistics)
        if ensemble != nil { log("teacher: the mean of \(data.ensemble.count) run(s), on every augmented batch") }
        let prefetcher = Prefetcher()
        var imagesPerSecond = 0.0
        var running = schedule.stopReason == nil && schedule.epoch < train.epochs

        while running {
            let epoch = schedule.epoch + 1
            var order = Array(0..<data.splits.train.count)
            var shuffler = SeededGenerator(seed: UInt64(train.seed) &* 1_000_003 &+ UInt64(epoch))
            order.shuffle(using: &shuffler)
            let epochSeed = UInt64(train.seed) << 32 | UInt64(epoch)
            func prepare(_ step: Int) {
                let host = buffers[step % 2]
                let indices = order[(step * batch)..<((step + 1) * batch)]
                let box = UncheckedBox((batcher, host, indices))
                prefetcher.start {
                    let (batcher, host, indices) = box.value
                    batcher.fill(indices, seed: epochSeed, input: host.input, teacher: host.teacher, labels: host.labels, raw: host.raw)
                }
            }
            prepare(0)
            let epochStart = Date()
            var lossSum = 0.0
            for step in 0..<stepsPerEpoch {
                prefetcher.wait()
                let host = buffers[step % 2]
                if let ensemble {
                    ensemble.logits(raw: host.raw, batch: batch, size: inputSize, plane: data.splits.train.height * data.splits.train.width,
                                    into: host.teacher)
                }
                inputMemory.update(from: host.input, count: batch * inputSize)
                teacherMemory?.update(from: host.teacher, count: batch * data.classes)
                labelMemory?.update(from: host.labels, count: batch)
                if step + 1 < stepsPerEpoch { prepare(step + 1) }
                trainer.dropoutSeed = UInt64(train.seed) << 40 ^ UInt64(epoch) << 20 ^ UInt64(step)
                trainer.run()
                guard trainer.loss.isFinite else {
                    prefetcher.wait()
                    throw TrainingError(
                        message: "the loss became \(trainer.loss) at epoch \(epoch), step \(step + 1); training stopped. \(kept(epoch)); "
                            + "lower the learning rate",
                        exitCode: 1)
                }
                optimizer.step(parameters: trainer.parameters.baseAddress!, gradients: trainer.gradients.baseAddress!,
                               lr: schedule.rate(step: step, stepsPerEpoch: stepsPerEpoch),
                               momentum: schedule.momentum(step: step, stepsPerEpoch: stepsPerEpoch))
                lossSum += trainer.loss
                if Interruption.isRequested {
                    prefetcher.wait()
                    throw TrainingError(
                        message: "interrupted during epoch \(epoch); \(kept(epoch)). "
                            + "Resume with: mimicc compile-and-run \(spec.file) --resume \(directory.path)",
                        exitCode: 130)
                }
                if options.isTerminal && (step % 10 == 0 || step + 1 == stepsPerEpoch) {
                    progress(epoch: epoch, step: step + 1, of: stepsPerEpoch, loss: lossSum / Double(step + 1), since: epochStart)
                }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            imagesPerSecond = Double(stepsPerEpoch * batch) / seconds
            let accuracy = evaluate(data.splits.validation)
            let rate = schedule.rate(step: stepsPerEpoch - 1, stepsPerEpoch: stepsPerEpoch)
            running = schedule.endEpoch(validationError: 1 - accuracy)
            let improved = accuracy > bestAccuracy
            if improved { bestAccuracy = accuracy }
            let checkpoint = Checkpoint(specHash: hash, epoch: schedule.epoch, parameters: Array(trainer.parameters),
                                        optimizer: Array(optimizer.state), state: Array(trainer.state), schedule: schedule,
                                        bestAccuracy: bestAccuracy)
            try checkpoint.write(to: directory.lastCheckpoint)
            if improved { try checkpoint.write(to: directory.bestCheckpoint) }
            let line = String(format: "{\"epoch\": %d, \"train_loss\": %.6f, \"validation_accuracy\": %.4f, \"learning_rate\": %.6g, \"images_per_second\": %.1f, \"seconds\": %.2f}",
                              epoch, lossSum / Double(stepsPerEpoch), accuracy, rate, imagesPerSecond, seconds)
            try directory.appendMetrics(line)
            if options.isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if let stop = options.stopAfterEpoch, schedule.epoch >= stop, running {
                throw TrainingError(message: "stopped after epoch \(schedule.epoch) as asked", exitCode: 130)
            }
            log(String(format: "epoch %d/%d  loss %.4f  validation %.2f%%%@  lr %.3g  %.0f img/s  %.1f s",
                       epoch, train.epochs, lossSum / Double(stepsPerEpoch), 100 * accuracy, improved ? " (best)" : "", rate,
                       imagesPerSecond, seconds))
        }

        // The test split, once, with the best weights or the last.
        let best = try Checkpoint.read(directory.bestCheckpoint, expectedHash: hash)
        let tested = train.tested == .best ? best : try Checkpoint.read(directory.checkpoint(train.tested), expectedHash: hash)
        restore(tested)
        let test = evaluate(data.splits.test)
        let result = TrainingResult(
            name: spec.name, specHash: SHA256.hexString(hash), parameters: trainer.plan.parameterCount, epochs: schedule.epoch,
            bestEpoch: best.epoch, bestValidationAccuracy: best.bestAccuracy, testAccuracy: test, testedEpoch: tested.epoch,
            stoppedBy: schedule.stopReason?.rawValue ?? "epochs", wallSeconds: Date().timeIntervalSince(started),
            imagesPerSecond: imagesPerSecond)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try directory.write(String(decoding: try encoder.encode(result), as: UTF8.self) + "\n", to: directory.resultFile)
        return result
    }

    /// What a run stopped during `epoch` keeps: the last finished epoch's checkpoint.
    func kept(_ epoch: Int) -> String {
        epoch > 1 ? "\(directory.lastCheckpoint) holds the last good epoch (\(epoch - 1))" : "no epoch had finished"
    }

    func restore(_ c: Checkpoint) {
        _ = trainer.parameters.update(from: c.parameters)
        _ = optimizer.state.update(from: c.optimizer)
        _ = trainer.state.update(from: c.state)
    }

    /// Accuracy of the current weights on a split, in batches of the evaluation plan (the last
    /// batch padded with copies, which are not counted).
    func evaluate(_ set: ImageSet) -> Double {
        _ = evaluator.parameters.update(from: trainer.parameters)
        _ = evaluator.state.update(from: trainer.state)
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: data.classes,
                              normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                              augmentation: nil, statisticsFrom: data.splits.train)
        let batch = evaluator.plan.batch
        let input = evaluator.pointer(feeds(evaluator.plan.graph).input)!
        let logits = evaluator.pointer(evaluator.plan.graph.outputs[0])!
        var correct = 0
        var start = 0
        while start < set.count {
            let count = min(batch, set.count - start)
            let indices = (0..<batch).map { start + min($0, count - 1) }
            batcher.fill(indices[...], seed: 0, input: input, teacher: nil, labels: nil)
            evaluator.run()
            for row in 0..<count {
                var best = 0
                for k in 1..<data.classes where logits[row * data.classes + k] > logits[row * data.classes + best] { best = k }
                if best == Int(set.labels[start + row]) { correct += 1 }
            }
            start += count
        }
        return Double(correct) / Double(max(1, set.count))
    }

    func progress(epoch: Int, step: Int, of total: Int, loss: Double, since start: Date) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step * train.batch) / max(elapsed, 1e-9)
        let left = Double(total - step) * elapsed / Double(step)
        let width = 24, filled = width * step / total
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let text = String(format: "\r\u{1B}[Kepoch %d/%d [%@] %3d%%  loss %.4f  %.0f img/s  epoch ETA %.0fs",
                          epoch, train.epochs, bar, 100 * step / total, loss, rate, left)
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// One batch in host memory, filled by the background thread.
final class HostBatch: @unchecked Sendable {
    let input: UnsafeMutablePointer<Float>
    let teacher: UnsafeMutablePointer<Float>
    let labels: UnsafeMutablePointer<Float>
    /// The augmented images before normalisation, for an ensemble teacher.
    let raw: UnsafeMutablePointer<Float>

    init(batch: Int, inputSize: Int, classes: Int) {
        input = .allocate(capacity: batch * inputSize)
        raw = .allocate(capacity: batch * inputSize)
        teacher = .allocate(capacity: batch * classes)
        labels = .allocate(capacity: batch)
    }

    deinit {
        input.deallocate()
        raw.deallocate()
        teacher.deallocate()
        labels.deallocate()
    }
}

struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension SHA256 {
    public static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

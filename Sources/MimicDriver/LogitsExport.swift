import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTrain

/// `mimicc logits RUN... --split train|test --out FILE.npy`: the averaged logits of trained
/// runs (an ensemble teacher) on every image of a split, in record order, with each run's own
/// normalisation and its best checkpoint (or, with `--checkpoint last`, its last), written as
/// a float32 .npy file that a student's `teacher.logits` can name. Each image's logits are
/// averaged over the views of test-time augmentation: `--tta`, else each run's `train.tta`.
public enum LogitsExport {
    public enum Split: String, Sendable, CaseIterable { case train, test }
    /// Which of a run's checkpoints: its best validation epoch's or its last epoch's.
    public typealias Weights = TestedCheckpoint
    /// Which views of each image are averaged (test-time augmentation).
    public typealias Views = TestTimeAugmentation

    public static func export(
        runs: [String], split: Split, flipped: Bool, out: String, threads: Int, checkpoint which: TestedCheckpoint = .best,
        tta: TestTimeAugmentation? = nil
    ) throws -> (rows: Int, columns: Int) {
        var sum: [Double] = []
        var shape = (rows: 0, columns: 0)
        for run in runs {
            let directory = RunDirectory(path: run)
            guard let text = try? String(contentsOfFile: directory.specFile, encoding: .utf8),
                let recorded = try? String(contentsOfFile: directory.hashFile, encoding: .utf8)
            else { throw DataError("'\(run)' is not a run directory (no spec.json and spec.sha256)") }
            let hash = SHA256.hash(Array(text.trimmingCharacters(in: .newlines).utf8))
            guard SHA256.hexString(hash) == recorded.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw DataError("'\(run)/spec.json' does not match its recorded hash", hint: "the run directory was edited")
            }
            let frontend: FrontendResult
            do { frontend = try Frontend.run(directory.specFile) } catch { throw DataError("\(error)") }
            guard let spec = frontend.spec, let analysis = frontend.analysis, let data = spec.data else {
                throw DataError("'\(run)/spec.json' does not compile", hint: "it was written by another mimicc version")
            }
            let checkpoint = try Checkpoint.read(directory.checkpoint(which), expectedHash: hash)
            // The images of the split, and the run's training images (normalisation statistics).
            let (images, trained) = try DataSource.recordOrder(data, test: split == .test)
            let views = tta ?? spec.train?.tta ?? TestTimeAugmentation.none
            let logits = try evaluate(spec, analysis, checkpoint, images, reference: trained, flipped: flipped, threads: threads, tta: views)
            if sum.isEmpty {
                sum = logits.map(Double.init)
                shape = (images.count, analysis.model.classes)
            } else {
                guard logits.count == sum.count else {
                    throw DataError("'\(run)' gives \(logits.count / max(1, analysis.model.classes)) rows of \(analysis.model.classes) logits; the first run gave \(shape.rows) of \(shape.columns)")
                }
                for i in 0..<sum.count { sum[i] += Double(logits[i]) }
            }
        }
        let mean = sum.map { Float($0 / Double(runs.count)) }
        try NumpyArray.write(NumpyArray.Matrix(rows: shape.rows, columns: shape.columns, values: mean), to: out)
        return shape
    }

    static func evaluate(_ spec: Spec, _ analysis: ModelAnalysis, _ checkpoint: Checkpoint, _ images: ImageSet,
                         reference: ImageSet, flipped: Bool, threads: Int, tta: TestTimeAugmentation) throws -> [Float] {
        let plan = try Compilation.compile(analysis, name: spec.name, purpose: .inference(folding: false),
                                           options: Compilation.Options(batch: 250)).plan
        let executor = Executor(plan: plan, threads: threads)
        _ = executor.parameters.update(from: checkpoint.parameters)
        _ = executor.state.update(from: checkpoint.state)
        var set = images
        if flipped {
            var image = [Float](repeating: 0, count: set.imageSize)
            for n in 0..<set.count {
                for i in 0..<set.imageSize { image[i] = Float(set.pixels[n * set.imageSize + i]) }
                Augmentation.flip(&image, channels: set.channels, side: set.width)
                for i in 0..<set.imageSize { set.pixels[n * set.imageSize + i] = UInt8(image[i]) }
            }
        }
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: analysis.model.classes,
                              normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                              augmentation: nil, statisticsFrom: reference)
        let classes = analysis.model.classes
        var logits = [Float](repeating: 0, count: set.count * classes)
        ViewedInference.run(executor, batcher: batcher, count: set.count, classes: classes, tta: tta) { start, count, batch in
            for i in 0..<(count * classes) { logits[start * classes + i] = batch[i] }
        }
        return logits
    }
}

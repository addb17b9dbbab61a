import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTrain

/// A finished run directory opened for inference: its spec (checked against the hash recorded
/// when the run started, so an edited directory is refused), the model's analysis and the
/// weights of one of its checkpoints. `mimicc logits` reads teachers through it.
struct TrainedRun {
    let path: String
    let spec: Spec
    let analysis: ModelAnalysis
    let data: DataConfig
    let specHash: String
    let checkpoint: Checkpoint
    let which: TestedCheckpoint
    /// result.json, absent while the run is unfinished.
    let result: TrainingResult?
    /// provenance.json: where and by what the run was trained.
    let provenance: Provenance?

    /// The fields of provenance.json a teacher's record repeats.
    struct Provenance: Decodable {
        var mimicc: String
        var cpu: String
        var threads: Int
        var started: String
    }

    var classes: Int { analysis.model.classes }

    static func open(_ run: String, checkpoint which: TestedCheckpoint) throws -> TrainedRun {
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
        // A run of .npy images takes its shapes from the files, so moved data fails here.
        if let error = frontend.diagnostics.first(where: { $0.severity == .error }) {
            throw DataError("'\(run)/spec.json' does not compile: \(error.message)",
                            hint: error.code == .dataMismatch ? "the run's data files must be where it was trained" : "it was written by another mimicc version")
        }
        guard let spec = frontend.spec, let analysis = frontend.analysis, let data = spec.data else {
            throw DataError("'\(run)/spec.json' does not compile", hint: "it was written by another mimicc version")
        }
        let checkpoint = try Checkpoint.read(directory.checkpoint(which), expectedHash: hash)
        let decoder = JSONDecoder()
        let result = (try? Data(contentsOf: URL(fileURLWithPath: directory.resultFile)))
            .flatMap { try? decoder.decode(TrainingResult.self, from: $0) }
        let provenance = (try? Data(contentsOf: URL(fileURLWithPath: directory.provenanceFile)))
            .flatMap { try? decoder.decode(Provenance.self, from: $0) }
        return TrainedRun(path: run, spec: spec, analysis: analysis, data: data, specHash: SHA256.hexString(hash),
                          checkpoint: checkpoint, which: which, result: result, provenance: provenance)
    }

    /// The logits of every image of a split in record order ([images, classes], row-major),
    /// each averaged over `views`, with the images' labels. The images are normalised with the
    /// statistics of the run's own training images, as in training.
    func logits(_ split: LogitsExport.Split, flipped: Bool, views: TestTimeAugmentation, threads: Int) throws
        -> (logits: [Float], labels: [UInt8])
    {
        var (set, trained) = try DataSource.recordOrder(data, test: split == .test)
        if flipped { set = set.mirrored() }
        let plan = try Compilation.compile(analysis, name: spec.name, purpose: .inference(folding: false),
                                           options: Compilation.Options(batch: 250)).plan
        try MemoryCheck.ensureFits(Executor.requiredBytes(plan, threads: threads), doing: "inference with '\(spec.name)'",
                                   hint: "the run was trained on a machine with more memory; use one like it")
        let executor = Executor(plan: plan, threads: threads)
        executor.load(parameters: checkpoint.parameters, state: checkpoint.state)
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: classes,
                              normalize: data.normalize, inputScale: data.inputScale,
                              augmentation: nil, statisticsFrom: trained)
        let classes = classes
        var logits = [Float](repeating: 0, count: set.count * classes)
        ViewedInference.run(executor, batcher: batcher, count: set.count, classes: classes, tta: views) { start, count, batch in
            for i in 0..<(count * classes) { logits[start * classes + i] = batch[i] }
        }
        return (logits, set.labels)
    }
}

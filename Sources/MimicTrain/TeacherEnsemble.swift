import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec

/// A teacher made of trained mimicc runs: each member sees the student's own augmented batch
/// (normalised its own way), and their logits are averaged, as Urban et al. average their
/// ensemble before the softmax. The transfer set is thus augmented data labelled by the
/// ensemble, image by image.
public final class TeacherEnsemble {
    struct Member {
        var executor: Executor
        var input: UnsafeMutablePointer<Float>
        var output: UnsafeMutablePointer<Float>
        var normalize: Normalization
        var inputScale: Float
    }

    let members: [Member]
    let classes: Int
    let channelMean: [Float], channelStd: [Float]

    /// `statistics` are the student's per-channel statistics, used by members that normalise
    /// per channel (they were trained on the same data set).
    public init(runs: [String], batch: Int, threads: Int, classes: Int, statistics: (mean: [Float], std: [Float])) throws {
        self.classes = classes
        (channelMean, channelStd) = statistics
        var members: [Member] = []
        for run in runs {
            let directory = RunDirectory(path: run)
            guard let text = try? String(contentsOfFile: directory.specFile, encoding: .utf8) else {
                throw DataError("teacher run '\(run)' has no spec.json", hint: "teacher.ensemble lists run directories of compile-and-run")
            }
            let hash = SHA256.hash(Array(text.trimmingCharacters(in: .newlines).utf8))
            let loaded = try SpecLoader().load(directory.specFile)
            guard var spec = loaded.spec else { throw DataError("teacher run '\(run)': its spec.json does not compile") }
            // The data may give the model its input and classes, as for any spec mimicc runs.
            _ = DataShapes.resolve(&spec)
            guard let model = spec.model, let analysis = ModelAnalysis.analyze(model).analysis else {
                throw DataError("teacher run '\(run)': its spec.json does not compile")
            }
            guard analysis.model.classes == classes else {
                throw DataError("teacher run '\(run)' has \(analysis.model.classes) classes; the student has \(classes)")
            }
            let checkpoint = try Checkpoint.read(directory.bestCheckpoint, expectedHash: hash)
            let plan = try Compilation.compile(analysis, name: spec.name, purpose: .inference(folding: false),
                                               options: Compilation.Options(batch: batch)).plan
            let graph = plan.graph
            try MemoryCheck.ensureFits(Executor.requiredBytes(plan, threads: threads), doing: "the teacher '\(spec.name)'",
                                       hint: "lower train.batch")
            let executor = Executor(plan: plan, threads: threads)
            executor.load(parameters: checkpoint.parameters, state: checkpoint.state)
            members.append(Member(
                executor: executor, input: executor.pointer(graph.values.first { $0.role == .input }!.id)!,
                output: executor.pointer(graph.outputs[0])!, normalize: spec.data?.normalize ?? .perImage,
                inputScale: Float(spec.data?.inputScale ?? 1)))
        }
        self.members = members
    }

    /// The members' mean logits for a batch of raw images in [0, 1] ([batch, size]).
    public func logits(raw: UnsafePointer<Float>, batch: Int, size: Int, plane: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: batch * classes)
        let weight = 1 / Float(members.count)
        for member in members {
            for row in 0..<batch {
                Batcher.normalize(raw + row * size, into: member.input + row * size, size: size, plane: plane, member.normalize,
                                  inputScale: member.inputScale, channelMean: channelMean, channelStd: channelStd)
            }
            member.executor.run()
            for i in 0..<(batch * classes) { out[i] += weight * member.output[i] }
        }
    }
}

import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicGraph
import MimicKernels
import MimicONNX
import MimicRuntime
import MimicSpec

/// `mimicc export RUN --format onnx --out model.onnx`: a trained run's inference graph, with
/// batchnorm and linear bottlenecks folded as mimicc's own inference plan folds them, and its
/// input normalisation, written for other runtimes.
public enum ModelExport {
    public enum Format: String, Sendable, CaseIterable {
        case onnx
    }

    public struct Summary: Sendable {
        public var nodes: Int
        public var parameters: Int
        public var folds: [String]
    }

    public static func export(run: String, checkpoint which: TestedCheckpoint, format: Format, out: String) throws -> Summary {
        let trained = try TrainedRun.open(run, checkpoint: which)
        let compiled = try Compilation.compile(trained.analysis, name: trained.spec.name, purpose: .inference(folding: false),
                                               options: Compilation.Options(batch: 1))
        // The plan knows where each parameter lives in the checkpoint's flat arrays.
        guard var values = compiled.plan.trainedValues(parameters: trained.checkpoint.parameters, state: trained.checkpoint.state) else {
            throw DataError("'\(run)': its checkpoint holds \(trained.checkpoint.parameters.count) parameters and \(trained.checkpoint.state.count) state values, "
                            + "but its spec's network needs \(compiled.plan.parameterCount) and \(compiled.plan.stateCount)",
                            hint: "the run directory was written by another mimicc version")
        }
        let folded = Folding.fold(compiled.graph)
        for fold in folded.folds { fold.apply(to: &values) }

        let normalization: ONNXExport.Normalization
        switch trained.data.normalize {
        case .perImage: normalization = .perImage
        case .none: normalization = .none
        case .perChannel:
            // The statistics of the run's own training images, as in training and `mimicc logits`.
            let statistics = Batcher.channelStatistics(try DataSource.recordOrder(trained.data, test: false).trained)
            normalization = .perChannel(mean: statistics.mean, std: statistics.std)
        }
        let doc = "mimicc \(trained.spec.name), \(which.rawValue) checkpoint of \(run) (spec \(trained.specHash)). "
            + "Input 'images' [N, C, H, W] on the training scale (bytes / 255), normalised inside; output 'logits' [N, classes]."
        let model: ONNXModel
        do {
            model = try ONNXExport.model(folded.graph, values: values, normalization: normalization,
                                         inputScale: Float(trained.data.inputScale), producerVersion: MimicVersion.current, docString: doc)
        } catch let error as ONNXExportError {
            throw DataError("cannot export '\(run)': \(error)")
        }
        try AtomicFile.write(Data(model.serialized()), to: out)
        let parameters = model.graph.initializers.reduce(0) { $0 + $1.values.count }
        return Summary(nodes: model.graph.nodes.count, parameters: parameters,
                       folds: folded.folds.map { $0.describe(in: folded.graph) })
    }
}

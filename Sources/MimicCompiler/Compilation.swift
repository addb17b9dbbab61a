/// MimicCompiler is the pipeline between the checked spec and the runtime: it lowers an
/// analysed model to the graph IR and takes that graph through every pass to a verified
/// execution plan. Every command that runs a network compiles here, so what `mimicc compile`
/// prints is what training, benchmarks, logit export and teacher ensembles run.

import MimicGraph
import MimicRuntime
import MimicSema
import MimicVocabulary

/// A model compiled for one purpose and batch size: the graph after its passes, the plan,
/// and the inference folds (run them over trained parameters before use).
public struct Compilation: Sendable {
    public enum Purpose: Sendable, Equatable {
        /// Forward, the loss and the backward pass derived by reverse-mode differentiation.
        case training(LossKind)
        /// Forward to the logits. With `folding`, linear bottlenecks and batchnorms fold into
        /// their neighbours (`mimicc compile`, `bench --infer`); without, the parameters keep
        /// the training layout, so a checkpoint loads as it is (evaluation, logits, teachers).
        case inference(folding: Bool)
    }

    public struct Options: Sendable, Equatable {
        public var batch: Int
        /// Fuse ops into kernels (`--no-fuse` turns this off).
        public var fuse: Bool
        /// Run the convolutions that qualify over Winograd tiles (`--im2col` turns this off).
        public var winograd: Bool

        public init(batch: Int, fuse: Bool = true, winograd: Bool = true) {
            self.batch = batch
            self.fuse = fuse
            self.winograd = winograd
        }
    }

    public var graph: Graph
    public var plan: ExecutionPlan
    public var folds: [Fold]

    /// analysed model -> graph -> autodiff (training) or folding (inference) -> fusion ->
    /// verification -> plan. Throws when the graph does not verify, which is a compiler bug.
    public static func compile(
        _ analysis: ModelAnalysis, name: String, purpose: Purpose, options: Options
    ) throws(InvalidGraph) -> Compilation {
        var graph: Graph
        var folds: [Fold] = []
        var notes: [String] = []
        switch purpose {
        case .training(let loss):
            graph = try Autodiff.backward(GraphBuilder.forward(analysis, name: name, mode: .training(loss)))
        case .inference(let folding):
            graph = GraphBuilder.forward(analysis, name: name, mode: .inference)
            if folding {
                let folded = Folding.fold(graph)
                graph = folded.graph
                folds = folded.folds
                notes = folded.folds.map { $0.describe(in: folded.graph) } + folded.declined
            }
        }
        var plan = try ExecutionPlan.make(graph, batch: options.batch, fuse: options.fuse, winograd: options.winograd)
        plan.notes = notes
        return Compilation(graph: graph, plan: plan, folds: folds)
    }
}

import MimicBasics
import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec

/// The spec compiled: its analysis, the graph (forward, plus backward for training) and
/// the execution plan for one batch size.
public struct CompiledSpec: Sendable {
    public var spec: Spec
    public var analysis: ModelAnalysis
    public var graph: Graph
    public var plan: ExecutionPlan
    /// Inference folds applied to the graph; run them over trained parameters before use.
    public var folds: [Fold]
}

public enum Compiler {
    public struct Options: Sendable {
        /// Fuse ops into kernels (`--no-fuse` turns this off).
        public var fuse = true
        /// Compile the inference graph even when the spec trains.
        public var inference = false
        /// The batch to plan for; nil takes `train.batch`, or 128.
        public var batch: Int?

        public init(fuse: Bool = true, inference: Bool = false, batch: Int? = nil) {
            self.fuse = fuse
            self.inference = inference
            self.batch = batch
        }
    }

    /// Compiles one spec. Returns nil (and the diagnostics in the report) when it has errors.
    public static func compile(_ file: String, options: Options = Options()) -> (compiled: CompiledSpec?, report: LintReport) {
        let result: FrontendResult
        do {
            result = try Frontend.run(file)
        } catch {
            return (nil, LintReport(files: [file], diagnostics: [], unreadable: [error.description]))
        }
        var bag = DiagnosticBag()
        bag.add(contentsOf: result.diagnostics)
        if let spec = result.spec, spec.isAbstract {
            bag.error(.abstractSpec, "'\(spec.name)' is abstract: it cannot be compiled",
                      at: spec.root.entry("abstract")?.key.location ?? spec.root.location,
                      notes: [DiagnosticNote("compile a spec that extends it")])
        }
        let report = LintReport(files: [file], diagnostics: bag.sorted, unreadable: [])
        guard !bag.hasErrors, let spec = result.spec, let analysis = result.analysis else { return (nil, report) }
        let batch = options.batch ?? spec.train?.batch ?? 128
        do {
            let compilation = try Compilation.compile(
                analysis, name: spec.name, purpose: purpose(spec, inference: options.inference),
                options: Compilation.Options(batch: batch, fuse: options.fuse))
            return (CompiledSpec(spec: spec, analysis: analysis, graph: compilation.graph, plan: compilation.plan,
                                 folds: compilation.folds), report)
        } catch {
            return (nil, LintReport(files: [file], diagnostics: report.diagnostics, unreadable: [error.description]))
        }
    }

    /// A spec with a `train` section compiles to its training graph (forward, loss, backward);
    /// one without, or with `inference`, to the folded forward graph ending in the logits.
    static func purpose(_ spec: Spec, inference: Bool) -> Compilation.Purpose {
        guard !inference, let train = spec.train else { return .inference(folding: true) }
        return .training(train.loss)
    }
}

/// What `mimicc compile` prints.
public enum EmitKind: String, Sendable, CaseIterable {
    case graph, plan
}

extension CompiledSpec {
    public var graphText: String { GraphPrinter.print(graph) }
    public var planText: String { PlanPrinter.print(plan) }
}

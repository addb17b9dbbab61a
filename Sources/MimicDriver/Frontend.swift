import MimicBasics
import MimicData
import MimicSema
import MimicSpec

/// Everything mimicc knows about a spec before building a graph: the lowered spec, the
/// model analysis (shapes, counts, solved budget) and every diagnostic along the way.
public struct FrontendResult: Sendable {
    public var spec: Spec?
    /// nil when the spec has errors or no model (an abstract spec).
    public var analysis: ModelAnalysis?
    public var diagnostics: [Diagnostic]

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum Frontend {
    public static func run(_ file: String, loader: SpecLoader = SpecLoader()) throws(SpecLoader.ReadError) -> FrontendResult {
        let loaded = try loader.load(file)
        var result = FrontendResult(spec: loaded.spec, analysis: nil, diagnostics: loaded.diagnostics)
        // The data set's shapes before the model's: it may supply the input and the classes.
        if var spec = result.spec, !loaded.diagnostics.contains(where: { $0.severity == .error }) {
            result.diagnostics += DataShapes.resolve(&spec)
            result.spec = spec
        }
        if let model = result.spec?.model {
            let analyzed = ModelAnalysis.analyze(model)
            result.analysis = analyzed.analysis
            result.diagnostics += analyzed.diagnostics
        }
        return result
    }
}

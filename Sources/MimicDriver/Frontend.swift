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
        guard let spec = loaded.spec else { return FrontendResult(spec: nil, analysis: nil, diagnostics: loaded.diagnostics) }
        var result = analyze(spec, resolvingData: !loaded.diagnostics.contains { $0.severity == .error })
        result.diagnostics = loaded.diagnostics + result.diagnostics
        return result
    }

    /// A lowered spec's data shapes, then its model: what every spec mimicc runs goes through,
    /// including the ones a search, a preset or `--set` lowers again. The data set may supply
    /// the model's input and classes (`DataShapes`), so it comes first.
    public static func analyze(_ spec: Spec, resolvingData: Bool = true) -> FrontendResult {
        var spec = spec
        var result = FrontendResult(spec: spec, analysis: nil, diagnostics: [])
        if resolvingData {
            result.diagnostics += DataShapes.resolve(&spec)
            result.spec = spec
        }
        if let model = spec.model {
            let analyzed = ModelAnalysis.analyze(model)
            result.analysis = analyzed.analysis
            result.diagnostics += analyzed.diagnostics
        }
        return result
    }
}

/// MimicSema is the third stage of the pipeline: checks on the lowered spec that need
/// arithmetic over the model, starting with shape inference (shapes are the types of a
/// model: a kernel larger than its input is a type error, found before any data is read),
/// then counting and the budget solver. Each layer kind's own rules live with the kind
/// (`Sources/MimicSpec/Layers/`); this module walks the model with them.

import MimicBasics
import MimicSpec

/// Every static fact about a model: shapes checked, the budget met (its dependent width
/// solved), and each layer's parameters, FLOPs and activation bytes counted.
public struct ModelAnalysis: Sendable {
    /// The model with every width fixed.
    public var model: Model
    /// One entry per layer, then the implicit output layer.
    public var layers: [LayerCount]
    public var budget: BudgetSolver.Solution?

    public var params: Int { layers.reduce(0) { $0 + $1.params } }
    public var flops: Int { layers.reduce(0) { $0 + $1.flops } }
    public var activationBytes: Int { layers.reduce(0) { $0 + $1.activationBytes } }

    /// nil analysis when the model has errors; the diagnostics say which.
    public static func analyze(_ model: Model) -> (analysis: ModelAnalysis?, diagnostics: [Diagnostic]) {
        let shapes = ShapeInference.infer(model)
        guard shapes.diagnostics.isEmpty else { return (nil, shapes.diagnostics) }
        let solved = BudgetSolver.solve(model)
        guard let resolved = solved.model, let counts = LayerCounter.count(resolved) else {
            return (nil, solved.diagnostics)
        }
        return (ModelAnalysis(model: resolved, layers: counts, budget: solved.solution), solved.diagnostics)
    }
}

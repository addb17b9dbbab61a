/// MimicSema is the third stage of the pipeline: checks on the lowered spec that need
/// arithmetic over the model, starting with shape inference (shapes are the types of a
/// model: a kernel larger than its input is a type error, found before any data is read),
/// then counting and the budget solver. Each layer kind's own rules live with the kind
/// (`Sources/MimicSpec/Layers/`); this module walks the model with them.

import Foundation
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

    // Saturating: each layer is within `SaturatingCount.limit`, but a model may have many.
    public var params: Int { SaturatingCount.sum(layers.map(\.params)) }
    public var flops: Int { SaturatingCount.sum(layers.map(\.flops)) }
    public var activationBytes: Int { SaturatingCount.sum(layers.map(\.activationBytes)) }

    /// nil analysis when the model has errors; the diagnostics say which.
    public static func analyze(_ model: Model) -> (analysis: ModelAnalysis?, diagnostics: [Diagnostic]) {
        let shapes = ShapeInference.infer(model)
        guard shapes.diagnostics.isEmpty else { return (nil, shapes.diagnostics) }
        let solved = BudgetSolver.solve(model)
        guard let resolved = solved.model, let counts = LayerCounter.count(resolved) else {
            return (nil, solved.diagnostics)
        }
        let impossible = tooLarge(counts, model: resolved)
        guard impossible.isEmpty else { return (nil, solved.diagnostics + impossible) }
        return (ModelAnalysis(model: resolved, layers: counts, budget: solved.solution), solved.diagnostics)
    }

    /// A layer, or the whole model, whose parameters, output values or FLOPs per image exceed
    /// `SaturatingCount.limit`: no machine could hold or run it, and the plan's arithmetic
    /// would overflow. Said with the figure, at the layer (or the model's first layer).
    static func tooLarge(_ counts: [LayerCount], model: Model) -> [Diagnostic] {
        func figures(_ params: Int, _ values: Int, _ flops: Int) -> (String, Int)? {
            [("parameters", params), ("output values per image", values), ("FLOPs per image", flops)]
                .first { $0.1 > SaturatingCount.limit }
        }
        func diagnostic(_ who: String, _ what: String, _ count: Int, at location: SourceLocation) -> Diagnostic {
            let figure = count == .max ? "more than 9.2e18" : String(format: "%.1e", Double(count))
            return .error(.modelTooLarge, "\(who) would have \(figure) \(what); mimicc counts at most 2^40 (1.1e12)",
                          at: location, notes: [DiagnosticNote("a width, kernel, input size or repeat count is far larger than intended")])
        }
        let layers: [Diagnostic] = counts.compactMap { layer in
            figures(layer.params, layer.output.elementCount ?? 0, layer.flops)
                .map { diagnostic("'\(layer.name)'", $0.0, $0.1, at: layer.location) }
        }
        guard layers.isEmpty, let first = counts.first else { return layers }
        let total = figures(SaturatingCount.sum(counts.map(\.params)), SaturatingCount.sum(counts.map { $0.output.elementCount ?? 0 }),
                            SaturatingCount.sum(counts.map(\.flops)))
        return total.map { [diagnostic("the model", $0.0, $0.1, at: first.location)] } ?? []
    }

}

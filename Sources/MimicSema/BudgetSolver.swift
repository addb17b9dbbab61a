import MimicBasics
import MimicSpec

/// Meets a parameter budget. With one dependent width the parameter count is affine in it
/// (the width multiplies its own layer's fan-out and the next layer's fan-in), so two counts
/// give the line and the solution is closed-form; it is rounded to the whole width closest
/// to the budget, which must lie within the tolerance. Without one, the count is checked.
public enum BudgetSolver {
    public struct Solution: Sendable, Equatable {
        /// The dependent layer's index and solved width, when there was one.
        public var solvedLayer: Int?
        public var solvedWidth: Int?
        public var params: Int
        public var budget: Budget
        /// (params - budget) / budget.
        public var deviation: Double { Double(params - budget.params) / Double(budget.params) }
    }

    /// The model with its dependent width fixed (or unchanged) and the budget verdict, or the
    /// diagnostics of an impossible budget. Models without a budget pass through unchanged.
    public static func solve(_ model: Model) -> (model: Model?, solution: Solution?, diagnostics: [Diagnostic]) {
        guard let budget = model.budget else {
            return (model.layers.contains { $0.width == .dependent } ? nil : model, nil, [])
        }
        guard let index = model.layers.firstIndex(where: { $0.width == .dependent }) else {
            guard let params = total(model) else { return (nil, nil, []) }
            let solution = Solution(params: params, budget: budget)
            if abs(solution.deviation) > budget.tolerance {
                return (nil, solution, [outside(solution, model: model)])
            }
            return (model, solution, [])
        }
        guard let p1 = total(model, width: 1, at: index), let p2 = total(model, width: 2, at: index) else {
            return (nil, nil, [])
        }
        let slope = p2 - p1, intercept = p1 - slope
        let exact = Double(budget.params - intercept) / Double(slope)
        let breakdownModel = with(model, width: 1, at: index)
        if exact < 0.5 {
            return (nil, nil, [.error(
                .impossibleBudget,
                "budget of \(formatted(budget.params)) parameters is too small: the rest of the model has \(formatted(intercept)) without the dependent width",
                at: budget.location,
                notes: [DiagnosticNote("the dependent width is here", at: model.layers[index].location)]
                    + breakdown(breakdownModel, note: "with the dependent width at 1:"))])
        }
        // The nearest whole widths on either side; keep the one closest to the budget.
        let candidates = Set([max(1, Int(exact.rounded(.down))), max(1, Int(exact.rounded(.up)))]).sorted()
        let best = candidates.min { abs(intercept + slope * $0 - budget.params) < abs(intercept + slope * $1 - budget.params) }!
        let solution = Solution(solvedLayer: index, solvedWidth: best, params: intercept + slope * best, budget: budget)
        guard abs(solution.deviation) <= budget.tolerance else {
            let options = candidates.map { "width \($0) gives \(formatted(intercept + slope * $0))" }.joined(separator: ", ")
            return (nil, solution, [.error(
                .impossibleBudget,
                "no whole width meets \(formatted(budget.params)) parameters within \(percent(budget.tolerance)): \(options)",
                at: budget.location,
                notes: [DiagnosticNote("each unit of the dependent width adds \(formatted(slope)) parameters; raise the tolerance or change the other widths",
                                       at: model.layers[index].location)])])
        }
        return (with(model, width: best, at: index), solution, [])
    }

    static func total(_ model: Model, width: Int? = nil, at index: Int? = nil) -> Int? {
        let model = width.map { with(model, width: $0, at: index!) } ?? model
        return LayerCounter.count(model)?.reduce(0) { $0 + $1.params }
    }

    /// The model with layer `index`'s width set.
    public static func with(_ model: Model, width: Int, at index: Int) -> Model {
        var model = model
        model.layers[index] = model.layers[index].with(width: width)
        return model
    }

    private static func outside(_ s: Solution, model: Model) -> Diagnostic {
        .error(
            .budgetMismatch,
            "model has \(formatted(s.params)) parameters, \(percent(abs(s.deviation))) \(s.deviation > 0 ? "over" : "under") the budget of \(formatted(s.budget.params)) (tolerance \(percent(s.budget.tolerance)))",
            at: s.budget.location,
            notes: breakdown(model, note: "parameters by layer:")
                + [DiagnosticNote("make one width 'dependent' to have it solved for the budget")])
    }

    /// One note per layer that has parameters.
    private static func breakdown(_ model: Model, note: String) -> [DiagnosticNote] {
        guard let counts = LayerCounter.count(model) else { return [] }
        return [DiagnosticNote(note)]
            + counts.filter { $0.params > 0 }.map { DiagnosticNote("\($0.name): \(formatted($0.params))", at: $0.location) }
    }

    /// 1234567 -> "1,234,567".
    public static func formatted(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    public static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? "\(Int(rounded))%" : "\(rounded)%"
    }
}

import Foundation
import MimicBasics
import MimicSpec

/// The report as text: a Markdown table shaped like the paper's Table 2 (best test accuracy
/// per family and budget, the published figure beside it), the hard-target baselines and
/// the teacher, the Figure 1 values, and what is missing; and the same numbers as CSV.
public enum ReportTables {
    static func percent(_ v: Double?) -> String { v.map { String(format: "%.2f", 100 * $0) } ?? "" }

    /// What the Figure 1 columns mean: ranks come from validation accuracy, values from the
    /// test split, so the best can lie below the mean of the top.
    static let rankingExplanation = "Trials are ranked by validation accuracy (the search's objective; a multi-fidelity "
        + "search's by the rung reached first). Best is the test accuracy of the first; mean of top and last of top are "
        + "over the first N (the search's report.top). Ranks come from validation and values from the test split, so the "
        + "best can be below the mean of the top."
    static func paper(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "" }

    public static func markdown(_ r: StudyReport) -> String {
        var out = "## Students: best test accuracy (%)\n\n"
        let students = r.families.filter { f in r.cells.contains { $0.family == f && $0.role == "student" } }
        out += "| Student | " + r.budgets.map { Budget.label($0) }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---:|", count: r.budgets.count) + "\n"
        var footnote = false
        for family in students {
            out += "| \(family) |"
            for budget in r.budgets {
                let cell = r.cell(family, "student", budget)
                let published = r.published?.row(family, "student", budget)
                var text: String
                if let cell, let best = cell.best {
                    text = percent(best)
                    if !cell.isComplete { text += "\\*"; footnote = true }
                } else {
                    text = cell == nil ? "–" : "missing"
                }
                if let published { text += " (\(paper(published.best)))" }
                out += " \(text) |"
            }
            out += "\n"
        }
        if r.published != nil { out += "\nIn parentheses: the published figure (\(r.published!.source)).\n" }
        if footnote { out += "\n\\* the cell's search is not finished: fewer trials than planned.\n" }
        out += ConvolutionalGap.markdown(ConvolutionalGap.of(r))

        let others = r.cells.filter { $0.role != "student" }
        if !others.isEmpty {
            out += "\n## Hard-target baselines and teacher: best test accuracy (%)\n\n"
            out += "| Model | Role | Budget | Parameters | Best | Published |\n|---|---|---:|---:|---:|---:|\n"
            for c in others {
                let published = r.published?.row(c.family, c.role, c.budget)
                out += "| \(c.family) | \(c.role) | \(c.budget.map { Budget.label($0) } ?? "–") | "
                out += "\(c.params > 0 ? Budget.label(Int(c.params.rounded())) : "–") | \(c.best.map { percent($0) } ?? "missing") | "
                out += "\(published.map { paper($0.best) } ?? "") |\n"
            }
        }

        out += "\n## Figure 1 values: test accuracy (%) of the trials ranked best by validation accuracy\n\n"
        out += rankingExplanation + "\n\n"
        out += "| Family | Role | Budget | Trials (done/failed/planned) | Best | Mean of top | Last of top |\n"
        out += "|---|---|---:|---:|---:|---:|---:|\n"
        for c in r.cells {
            out += "| \(c.family) | \(c.role) | \(c.budget.map { Budget.label($0) } ?? "–") | \(c.finished)/\(c.failed)/\(c.planned) | "
            out += "\(percent(c.best)) | \(percent(c.meanOfTop)) | \(percent(c.lastOfTop)) (top \(c.top)) |\n"
        }
        let runs = r.cells.filter { $0.bestRun != nil }
        if !runs.isEmpty {
            out += "\n## Best runs\n\nThe best trial's run directory of each cell: `mimicc export RUN --out model.onnx` takes it out of mimicc, "
            out += "`mimicc logits RUN` gives its logits.\n\n"
            for c in runs { out += "- \(c.label): `\(c.bestRun!)`\n" }
        }
        if !r.missing.isEmpty {
            out += "\nMissing (no finished trial): "
            out += r.missing.map(\.label).joined(separator: ", ")
            out += "\n"
        }
        return out
    }

    public static func csv(_ r: StudyReport) -> String {
        var out = "family,role,budget,params,planned,finished,failed,top,best,mean_of_top,last_of_top,published_best,published_mean,published_last\n"
        for c in r.cells {
            let p = r.published?.row(c.family, c.role, c.budget)
            let fields: [String] = [
                c.family, c.role, c.budget.map { "\($0)" } ?? "", c.params > 0 ? "\(Int(c.params.rounded()))" : "",
                "\(c.planned)", "\(c.finished)", "\(c.failed)", "\(c.top)", percent(c.best), percent(c.meanOfTop),
                percent(c.lastOfTop), p.map { paper($0.best) } ?? "", p?.mean.map { paper($0) } ?? "", p?.last.map { paper($0) } ?? "",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The report for other tools: every cell with its counts and accuracies (fractions,
    /// not percent), the budgets, and the published row beside each cell when there is one.
    public static func json(_ r: StudyReport, title: String) -> String {
        func number(_ v: Double?) -> JSONValue { v.map(JSONValue.number) ?? .null }
        let cells: [JSONValue] = r.cells.map { c in
            let p = r.published?.row(c.family, c.role, c.budget)
            return .object([
                ("family", .string(c.family)), ("role", .string(c.role)), ("budget", c.budget.map(JSONValue.int) ?? .null),
                ("params", c.params > 0 ? .int(Int(c.params.rounded())) : .null),
                ("planned", .int(c.planned)), ("finished", .int(c.finished)), ("failed", .int(c.failed)),
                ("complete", .bool(c.isComplete)), ("top", .int(c.top)),
                ("best", number(c.best)), ("mean_of_top", number(c.meanOfTop)), ("last_of_top", number(c.lastOfTop)),
                ("ranked_test_accuracies", .array(c.ranked.map(JSONValue.number))),
                ("best_run", c.bestRun.map(JSONValue.string) ?? .null),
                ("published", p.map { row in
                    .object([("best", .number(row.best / 100)), ("mean", number(row.mean.map { $0 / 100 })),
                             ("last", number(row.last.map { $0 / 100 }))])
                } ?? .null),
            ])
        }
        return JSONValue.object([
            ("title", .string(title)),
            ("ranking", .string(rankingExplanation)),
            ("budgets", .array(r.budgets.map(JSONValue.int))),
            ("families", .array(r.families.map(JSONValue.string))),
            ("cells", .array(cells)),
            ("gaps", .array(ConvolutionalGap.of(r).map { g in
                .object([("budget", .int(g.budget)), ("mlp", .string(g.mlp.family)), ("mlp_best", .number(g.mlp.best)),
                         ("cnn", .string(g.cnn.family)), ("cnn_best", .number(g.cnn.best))])
            })),
            ("missing", .array(r.missing.map { .string($0.label) })),
        ]).rendered() + "\n"
    }
}

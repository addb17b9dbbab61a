import Foundation
import MimicSpec

/// The report as one self-contained HTML page (no scripts, no external files): the figure
/// inline, then the tables.
public enum ReportHTML {
    public static func render(_ r: StudyReport, title: String, svg: String) -> String {
        let e = FigureSVG.escape
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1.5em; color: #222; }
            svg { max-width: 100%; height: auto; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            .paper { color: #888; } .missing { color: #b00; } .partial { color: #a60; }
            </style></head><body>
            <h1>\(e(title))</h1>

            """
        html += svg
        html += "<h2>Students: best test accuracy (%)</h2>\n<div class=\"scroll\"><table><tr><th>Student</th>"
        html += r.budgets.map { "<th>\(Budget.label($0))</th>" }.joined() + "</tr>\n"
        for family in r.families where r.cells.contains(where: { $0.family == family && $0.role == "student" }) {
            html += "<tr><td>\(e(family))</td>"
            for budget in r.budgets {
                let cell = r.cell(family, "student", budget)
                var text = cell?.best.map { ReportTables.percent($0) }
                    ?? (cell == nil ? "–" : "<span class=\"missing\">missing</span>")
                if let cell, !cell.ranked.isEmpty, !cell.isComplete {
                    text = "<span class=\"partial\" title=\"\(cell.finished + cell.failed) of \(cell.planned) trials\">\(text)*</span>"
                }
                if let p = r.published?.row(family, "student", budget) { text += " <span class=\"paper\">(\(ReportTables.paper(p.best)))</span>" }
                html += "<td>\(text)</td>"
            }
            html += "</tr>\n"
        }
        html += "</table></div>\n"
        if let p = r.published { html += "<p class=\"paper\">In parentheses: the published figure (\(e(p.source))).</p>\n" }
        if r.cells.contains(where: { $0.role == "student" && !$0.ranked.isEmpty && !$0.isComplete }) {
            html += "<p class=\"partial\">* the cell's search is not finished: fewer trials than planned.</p>\n"
        }
        let gaps = ConvolutionalGap.of(r)
        if !gaps.isEmpty {
            html += "<h2>Deep and convolutional? The gap (test accuracy, %)</h2>\n<div class=\"scroll\"><table><tr><th>Budget</th><th>Best MLP</th><th>Best CNN</th><th>CNN − MLP (points)</th></tr>\n"
            for g in gaps {
                html += "<tr><td>\(Budget.label(g.budget))</td><td>\(e(g.mlp.family)) \(ReportTables.percent(g.mlp.best))</td>"
                html += "<td>\(e(g.cnn.family)) \(ReportTables.percent(g.cnn.best))</td><td>\(String(format: "%+.2f", g.points))</td></tr>\n"
            }
            html += "</table></div>\n"
        }
        html += "<h2>Every cell</h2>\n<p>\(e(ReportTables.rankingExplanation))</p>\n<div class=\"scroll\"><table><tr><th>Family</th><th>Role</th><th>Budget</th><th>Trials done/failed/planned</th>"
        html += "<th>Best</th><th>Mean of top</th><th>Last of top</th></tr>\n"
        for c in r.cells {
            html += "<tr><td>\(e(c.family))</td><td>\(c.role)</td><td>\(c.budget.map { Budget.label($0) } ?? "–")</td>"
            html += c.ranked.isEmpty || c.isComplete ? "<td>\(c.finished)/\(c.failed)/\(c.planned)</td>"
                : "<td class=\"partial\">\(c.finished)/\(c.failed)/\(c.planned)*</td>"
            html += "<td>\(ReportTables.percent(c.best))</td>"
            html += "<td>\(ReportTables.percent(c.meanOfTop))</td><td>\(ReportTables.percent(c.lastOfTop))</td></tr>\n"
        }
        html += "</table></div>\n"
        let runs = r.cells.filter { $0.bestRun != nil }
        if !runs.isEmpty {
            html += "<h2>Best runs</h2>\n<p>The best trial's run directory of each cell: <code>mimicc export RUN --out model.onnx</code> "
            html += "takes it out of mimicc, <code>mimicc logits RUN</code> gives its logits.</p>\n<ul>\n"
            for c in runs {
                html += "<li>\(e(c.label)): <code>\(e(c.bestRun!))</code></li>\n"
            }
            html += "</ul>\n"
        }
        if !r.missing.isEmpty {
            html += "<p class=\"missing\">Missing (no finished trial): "
            html += r.missing.map { e($0.label) }.joined(separator: ", ")
            html += "</p>\n"
        }
        html += "</body></html>\n"
        return html
    }
}

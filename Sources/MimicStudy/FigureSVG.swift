import Foundation
import MimicSpec

/// Figure 1 of the paper as SVG: test accuracy against parameters on a log axis. Each
/// student family has a mark per budget (a dot: the mean of the top trials; a ring: the best;
/// a bar: the last of the top; a square: the published figure) and, where it has two or more
/// budgets, lines through them (solid: mean of the top; dashed: best and last of the top;
/// dotted: published). Short thick marks are the hard-target baselines, a horizontal line the
/// teacher. The legend names every mark and line drawn. With a single budget the families'
/// marks are set side by side so that they do not hide each other.
public enum FigureSVG {
    static let width = 780.0, height = 500.0
    static let left = 64.0, right = 190.0, top = 36.0, bottom = 56.0
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]

    public static func render(_ r: StudyReport, title: String) -> String {
        let students = r.families.filter { f in r.cells.contains { $0.family == f && $0.role == "student" } }
        let color = Dictionary(uniqueKeysWithValues: students.enumerated().map { ($1, palette[$0 % palette.count]) })
        // Axis ranges from every value drawn, ours and published.
        var values: [Double] = r.cells.flatMap(\.ranked).map { 100 * $0 }
        values += r.published?.rows.flatMap { [$0.best, $0.mean, $0.last].compactMap { $0 } } ?? []
        let lowY = values.isEmpty ? 0 : (floor((values.min()! - 1) / 5) * 5)
        let highY = values.isEmpty ? 100 : min(100, ceil((values.max()! + 1) / 5) * 5)
        let budgets = r.budgets.isEmpty ? [1_000_000] : r.budgets
        let lowX = log10(Double(budgets.first!)) - 0.2, highX = log10(Double(budgets.last!)) + 0.2
        func x(_ params: Int) -> Double { left + (log10(Double(params)) - lowX) / (highX - lowX) * (width - left - right) }
        func y(_ percent: Double) -> Double { top + (highY - percent) / max(highY - lowY, 1) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <title>\(escape(title))</title>
            <rect width="100%" height="100%" fill="white"/>

            """
        // Axes, ticks and grid.
        svg += "<g class=\"axes\" stroke=\"#444\" fill=\"none\">\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\"/>\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\"/>\n</g>\n"
        svg += "<g class=\"ticks\" fill=\"#222\">\n"
        for budget in budgets {
            svg += "<line x1=\"\(f(x(budget)))\" y1=\"\(f(height - bottom))\" x2=\"\(f(x(budget)))\" y2=\"\(f(height - bottom + 5))\" stroke=\"#444\"/>"
            svg += "<text x=\"\(f(x(budget)))\" y=\"\(f(height - bottom + 19))\" text-anchor=\"middle\">\(Budget.label(budget))</text>\n"
        }
        var tick = lowY
        while tick <= highY + 1e-9 {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick))</text>\n"
            tick += 5
        }
        svg += "</g>\n"
        svg += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">Number of parameters (log scale)</text>\n"
        svg += "<text transform=\"translate(18 \(f((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">Test accuracy (%)</text>\n"
        svg += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"

        func polyline(_ points: [(Int, Double)], _ cls: String, _ stroke: String, dash: String?, width: Double) -> String {
            let coordinates = points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            return "<polyline class=\"\(cls)\" points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\""
                + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
        }
        // Lines join a family's budgets; with one budget there is nothing to join.
        let drawsLines = budgets.count >= 2
        func dodge(_ family: String) -> Double {
            guard !drawsLines, let i = students.firstIndex(of: family) else { return 0 }
            return (Double(i) - Double(students.count - 1) / 2) * 14
        }
        for family in students {
            let c = color[family]!, dx = dodge(family)
            let cells = r.budgets.compactMap { r.cell(family, "student", $0) }.filter { !$0.ranked.isEmpty }
            svg += "<g class=\"family\" data-family=\"\(escape(family))\">\n"
            if drawsLines {
                svg += polyline(cells.map { ($0.budget!, 100 * $0.meanOfTop!) }, "mean", c, dash: nil, width: 2)
                svg += polyline(cells.map { ($0.budget!, 100 * $0.best!) }, "best", c, dash: "5 3", width: 1)
                svg += polyline(cells.compactMap { c in c.lastOfTop.map { (c.budget!, 100 * $0) } }, "last", c, dash: "5 3", width: 1)
            }
            for cell in cells {
                let cx = x(cell.budget!) + dx
                let tip = "\(escape(family)) \(Budget.label(cell.budget!)): best \(ReportTables.percent(cell.best)), "
                    + "mean of top \(cell.ranked.count) \(ReportTables.percent(cell.meanOfTop))"
                    + (cell.lastOfTop.map { ", last of top \(ReportTables.percent($0))" } ?? "")
                svg += "<circle class=\"mean\" cx=\"\(f(cx))\" cy=\"\(f(y(100 * cell.meanOfTop!)))\" r=\"3.5\" fill=\"\(c)\"><title>\(tip)</title></circle>\n"
                svg += "<circle class=\"best\" cx=\"\(f(cx))\" cy=\"\(f(y(100 * cell.best!)))\" r=\"4\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"1.5\"><title>\(tip)</title></circle>\n"
                if let last = cell.lastOfTop {
                    svg += "<line class=\"last\" x1=\"\(f(cx - 5))\" y1=\"\(f(y(100 * last)))\" x2=\"\(f(cx + 5))\" y2=\"\(f(y(100 * last)))\" stroke=\"\(c)\" stroke-width=\"2\"><title>\(tip)</title></line>\n"
                }
            }
            if let published = r.published, case let rows = r.budgets.compactMap({ published.row(family, "student", $0) }),
               !rows.isEmpty {
                if drawsLines { svg += polyline(rows.map { ($0.budget!, $0.mean ?? $0.best) }, "published", c, dash: "1 3", width: 1.5) }
                for row in rows {
                    svg += "<rect class=\"published\" x=\"\(f(x(row.budget!) + dx - 3))\" y=\"\(f(y(row.mean ?? row.best) - 3))\" width=\"6\" height=\"6\" fill=\"none\" stroke=\"\(c)\">"
                    svg += "<title>\(escape(family)) \(Budget.label(row.budget!)), published: \(ReportTables.paper(row.mean ?? row.best))</title></rect>\n"
                }
            }
            svg += "</g>\n"
        }
        for cell in r.cells where cell.role == "baseline" {
            guard let budget = cell.budget, let best = cell.best else { continue }
            let c = color[cell.family] ?? "#000"
            svg += "<line class=\"baseline\" data-family=\"\(escape(cell.family))\" x1=\"\(f(x(budget) - 14))\" y1=\"\(f(y(100 * best)))\" "
            svg += "x2=\"\(f(x(budget) + 14))\" y2=\"\(f(y(100 * best)))\" stroke=\"\(c)\" stroke-width=\"3\"><title>\(escape(cell.family)) hard targets: \(ReportTables.percent(best))</title></line>\n"
        }
        for cell in r.cells where cell.role == "teacher" {
            guard let best = cell.best else { continue }
            svg += "<line class=\"teacher\" x1=\"\(f(left))\" y1=\"\(f(y(100 * best)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(100 * best)))\" stroke=\"#000\" stroke-dasharray=\"8 4\"/>\n"
            svg += "<text x=\"\(f(width - right - 4))\" y=\"\(f(y(100 * best) - 5))\" text-anchor=\"end\">teacher \(escape(cell.family)) \(ReportTables.percent(best))</text>\n"
        }
        if let teacher = r.published?.rows.first(where: { $0.role == "teacher" }),
           !r.cells.contains(where: { $0.role == "teacher" && $0.best != nil }), teacher.best <= highY, teacher.best >= lowY {
            svg += "<line class=\"teacher published\" x1=\"\(f(left))\" y1=\"\(f(y(teacher.best)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(teacher.best)))\" stroke=\"#000\" stroke-dasharray=\"1 3\"/>\n"
            svg += "<text x=\"\(f(width - right - 4))\" y=\"\(f(y(teacher.best) - 5))\" text-anchor=\"end\">published teacher \(escape(teacher.family)) \(ReportTables.paper(teacher.best))</text>\n"
        }
        // Legend.
        var ly = top + 6
        svg += "<g class=\"legend\">\n"
        for family in students {
            svg += "<line x1=\"\(f(width - right + 16))\" y1=\"\(f(ly))\" x2=\"\(f(width - right + 40))\" y2=\"\(f(ly))\" stroke=\"\(color[family]!)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(width - right + 46))\" y=\"\(f(ly + 4))\">\(escape(family))</text>\n"
            ly += 18
        }
        ly += 8
        // The marks, then the lines when there are any: the legend names only what is drawn.
        let x0 = width - right + 16, x1 = width - right + 40, mid = width - right + 28
        func entry(_ mark: String, _ label: String) {
            svg += mark + "<text x=\"\(f(width - right + 46))\" y=\"\(f(ly + 4))\">\(label)</text>\n"
            ly += 18
        }
        entry("<circle cx=\"\(f(mid))\" cy=\"\(f(ly))\" r=\"3.5\" fill=\"#333\"/>", "mean of top")
        entry("<circle cx=\"\(f(mid))\" cy=\"\(f(ly))\" r=\"4\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\"/>", "best")
        entry("<line x1=\"\(f(mid - 5))\" y1=\"\(f(ly))\" x2=\"\(f(mid + 5))\" y2=\"\(f(ly))\" stroke=\"#333\" stroke-width=\"2\"/>", "last of top")
        if r.published != nil {
            entry("<rect x=\"\(f(mid - 3))\" y=\"\(f(ly - 3))\" width=\"6\" height=\"6\" fill=\"none\" stroke=\"#333\"/>", "published")
        }
        if drawsLines {
            for (label, dash) in [("mean of top", ""), ("best, last of top", "5 3"), ("published", "1 3")] where label != "published" || r.published != nil {
                entry("<line x1=\"\(f(x0))\" y1=\"\(f(ly))\" x2=\"\(f(x1))\" y2=\"\(f(ly))\" stroke=\"#333\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>", label)
            }
        }
        if r.cells.contains(where: { $0.role == "baseline" }) {
            entry("<line x1=\"\(f(x0))\" y1=\"\(f(ly))\" x2=\"\(f(x1))\" y2=\"\(f(ly))\" stroke=\"#333\" stroke-width=\"3\"/>", "hard targets")
        }
        svg += "</g>\n</svg>\n"
        return svg
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

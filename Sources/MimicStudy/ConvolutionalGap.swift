import MimicSpec

/// The paper's finding as one number per budget: the best convolutional student's test
/// accuracy minus the best fully connected one's (families named `CNN-*` and `MLP-*`, as
/// Urban et al. name them). Only budgets where both kinds have a finished trial have a gap.
public struct ConvolutionalGap: Sendable, Equatable {
    public var budget: Int
    public var mlp: (family: String, best: Double)
    public var cnn: (family: String, best: Double)
    public var points: Double { 100 * (cnn.best - mlp.best) }

    public static func == (a: ConvolutionalGap, b: ConvolutionalGap) -> Bool {
        a.budget == b.budget && a.mlp == b.mlp && a.cnn == b.cnn
    }

    public static func of(_ report: StudyReport) -> [ConvolutionalGap] {
        report.budgets.compactMap { budget in
            func best(_ prefix: String) -> (family: String, best: Double)? {
                report.cells
                    .filter { $0.role == "student" && $0.budget == budget && $0.family.hasPrefix(prefix) }
                    .compactMap { c in c.best.map { (c.family, $0) } }
                    .max { $0.1 < $1.1 }
            }
            guard let mlp = best("MLP-"), let cnn = best("CNN-") else { return nil }
            return ConvolutionalGap(budget: budget, mlp: mlp, cnn: cnn)
        }
    }

    /// The Markdown section, empty when no budget has both kinds.
    static func markdown(_ gaps: [ConvolutionalGap]) -> String {
        guard !gaps.isEmpty else { return "" }
        var out = "\n## Deep and convolutional? The gap (test accuracy, %)\n\n"
        out += "| Budget | Best MLP | Best CNN | CNN - MLP (points) |\n|---:|---|---|---:|\n"
        for g in gaps {
            out += "| \(Budget.label(g.budget)) | \(g.mlp.family) \(ReportTables.percent(g.mlp.best)) | "
            out += "\(g.cnn.family) \(ReportTables.percent(g.cnn.best)) | \(String(format: "%+.2f", g.points)) |\n"
        }
        return out
    }
}

import MimicSpec

/// The paper's finding as one number per budget: the best convolutional student's test
/// accuracy minus the best fully connected one's (families named `CNN-*` and `MLP-*`, as
/// Urban et al. name them). Only budgets where both kinds have a finished trial have a gap.
public struct ConvolutionalGap: Sendable, Equatable {
    /// The best student of one kind at the budget: its family and test accuracy.
    public struct Best: Sendable, Equatable {
        public var family: String
        public var best: Double
    }

    public var budget: Int
    public var mlp: Best
    public var cnn: Best
    public var points: Double { 100 * (cnn.best - mlp.best) }

    public static func of(_ report: StudyReport) -> [ConvolutionalGap] {
        report.budgets.compactMap { budget in
            func best(_ prefix: String) -> Best? {
                report.cells
                    .filter { $0.role == "student" && $0.budget == budget && $0.family.hasPrefix(prefix) }
                    .compactMap { c in c.best.map { Best(family: c.family, best: $0) } }
                    .max { $0.best < $1.best }
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

/// How `mimicc lint` (and every command that reports diagnostics) prints them.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// `path:line:col: error: message [CODE]` lines on standard error.
    case text
    /// One JSON document on standard output.
    case json
    /// GitHub Actions workflow commands (`::error file=...`) on standard output.
    case github
    /// A SARIF 2.1.0 log on standard output, for code-scanning tools.
    case sarif
}

/// What a command prints, split by stream.
public struct RenderedOutput: Sendable, Equatable {
    public var stdout: String
    public var stderr: String
}

public enum MimicVersion {
    public static let current = "0.1.0"
}

public enum LintRenderer {
    /// Renders a report. `excerpts` adds each diagnostic's source line and a caret (for a
    /// terminal); machine formats ignore it.
    public static func render(_ report: LintReport, as format: OutputFormat, excerpts: Bool = false) -> RenderedOutput {
        let unreadable = report.unreadable.map { "mimicc: error: \($0)\n" }.joined()
        switch format {
        case .text:
            var renderer = TextRenderer(excerpts: excerpts)
            return RenderedOutput(stdout: "", stderr: renderer.render(report) + unreadable)
        case .json:
            return RenderedOutput(stdout: JSONRenderer.render(report) + "\n", stderr: unreadable)
        case .github:
            return RenderedOutput(stdout: GitHubRenderer.render(report), stderr: unreadable)
        case .sarif:
            return RenderedOutput(stdout: SARIFRenderer.render(report) + "\n", stderr: unreadable)
        }
    }
}

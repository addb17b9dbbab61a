import Foundation
import MimicBasics

/// Compiler-style text: one `path:line:col: severity: message [CODE]` line per diagnostic,
/// its notes as `note:` lines (at the diagnostic's own location when they have none),
/// optionally the source line with a caret, and a closing count.
struct TextRenderer {
    var excerpts: Bool
    private var sources: [String: [Substring]] = [:]

    init(excerpts: Bool) { self.excerpts = excerpts }

    mutating func render(_ report: LintReport) -> String {
        var out = ""
        for diagnostic in report.diagnostics {
            out += line(diagnostic.location, diagnostic.severity.rawValue, diagnostic.message + " [\(diagnostic.code.rawValue)]")
            if excerpts, let location = diagnostic.location { out += excerpt(location) }
            for note in diagnostic.notes {
                out += line(note.location ?? diagnostic.location, "note", note.message)
                if excerpts, let location = note.location, location != diagnostic.location { out += excerpt(location) }
            }
        }
        if !report.diagnostics.isEmpty {
            out += "\(Self.plural(report.errorCount, "error")) and \(Self.plural(report.warningCount, "warning")) in \(Self.plural(report.files.count, "file"))\n"
        }
        return out
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    private func line(_ location: SourceLocation?, _ kind: String, _ message: String) -> String {
        guard let location else { return "\(kind): \(message)\n" }
        return "\(location): \(kind): \(message)\n"
    }

    private mutating func excerpt(_ location: SourceLocation) -> String {
        if sources[location.file] == nil {
            let text = (try? String(contentsOfFile: location.file, encoding: .utf8)) ?? ""
            sources[location.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = sources[location.file], location.line >= 1, location.line <= lines.count else { return "" }
        let source = lines[location.line - 1].replacingOccurrences(of: "\r", with: "")
        let number = String(location.line)
        let gutter = String(repeating: " ", count: number.count)
        // Tabs in the source line are kept under the caret so it stays aligned.
        let lead = source.prefix(max(0, location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return " \(number) | \(source)\n \(gutter) | \(lead)^\n"
    }
}

import MimicBasics

/// `--format github`: workflow commands that GitHub Actions turns into annotations on the
/// pull request. Notes ride along in the message, one per line.
enum GitHubRenderer {
    static func render(_ report: LintReport) -> String {
        report.diagnostics.map { d in
            var properties: [String] = []
            if let location = d.location {
                properties += ["file=\(escapeProperty(location.file))", "line=\(location.line)", "col=\(location.column)"]
            }
            properties.append("title=\(d.code.rawValue)")
            let message = ([d.message] + d.notes.map { note in
                note.location.map { "note: \($0): \(note.message)" } ?? "note: \(note.message)"
            }).joined(separator: "\n")
            let command = d.severity == .error ? "error" : "warning"
            return "::\(command) \(properties.joined(separator: ","))::\(escapeData(message))\n"
        }.joined()
    }

    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

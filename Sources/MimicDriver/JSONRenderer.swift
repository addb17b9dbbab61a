import MimicBasics

/// `--format json`: counts and every diagnostic with its notes.
enum JSONRenderer {
    static func render(_ report: LintReport) -> String {
        JSONValue.object([
            ("version", .int(1)),
            ("files", .int(report.files.count)),
            ("errors", .int(report.errorCount)),
            ("warnings", .int(report.warningCount)),
            ("diagnostics", .array(report.diagnostics.map(diagnostic))),
        ]).rendered()
    }

    static func location(_ location: SourceLocation?) -> [(String, JSONValue)] {
        guard let location else { return [] }
        return [("file", .string(location.file)), ("line", .int(location.line)), ("column", .int(location.column))]
    }

    static func diagnostic(_ d: Diagnostic) -> JSONValue {
        .object(
            location(d.location) + [
                ("severity", .string(d.severity.rawValue)),
                ("code", .string(d.code.rawValue)),
                ("message", .string(d.message)),
                ("notes", .array(d.notes.map { .object(location($0.location) + [("message", .string($0.message))]) })),
            ])
    }
}

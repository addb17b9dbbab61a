import MimicBasics

/// `--format sarif`: a SARIF 2.1.0 log with one run, a rule per diagnostic code that
/// occurs, and 1-based lines and columns (counted in Unicode code points).
enum SARIFRenderer {
    static func render(_ report: LintReport) -> String {
        var codes: [DiagnosticCode] = []
        for d in report.diagnostics where !codes.contains(d.code) { codes.append(d.code) }
        codes.sort { $0.rawValue < $1.rawValue }
        let rules: [JSONValue] = codes.map { code in
            .object([
                ("id", .string(code.rawValue)),
                ("name", .string(code.name)),
                ("shortDescription", .object([("text", .string(code.summary))])),
                ("helpUri", .string("grammar/diagnostics.md#\(code.rawValue.lowercased())")),
            ])
        }
        let results: [JSONValue] = report.diagnostics.map { d in
            var members: [(String, JSONValue)] = [
                ("ruleId", .string(d.code.rawValue)),
                ("ruleIndex", .int(codes.firstIndex(of: d.code) ?? 0)),
                ("level", .string(d.severity == .error ? "error" : "warning")),
                ("message", .object([("text", .string(d.message))])),
            ]
            if let location = d.location { members.append(("locations", .array([physical(location)]))) }
            let related = d.notes.compactMap { note -> JSONValue? in
                guard let location = note.location else { return nil }
                guard case .object(let fields) = physical(location) else { return nil }
                return .object(fields + [("message", .object([("text", .string(note.message))]))])
            }
            if !related.isEmpty { members.append(("relatedLocations", .array(related))) }
            let plain = d.notes.filter { $0.location == nil }.map(\.message)
            if !plain.isEmpty {
                members[3] = ("message", .object([("text", .string(([d.message] + plain).joined(separator: "; ")))]))
            }
            return .object(members)
        }
        return JSONValue.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([
                .object([
                    ("tool", .object([("driver", .object([
                        ("name", .string("mimicc")),
                        ("version", .string(MimicVersion.current)),
                        ("rules", .array(rules)),
                    ]))])),
                    ("columnKind", .string("unicodeCodePoints")),
                    ("results", .array(results)),
                ])
            ])),
        ]).rendered()
    }

    private static func physical(_ location: SourceLocation) -> JSONValue {
        .object([
            ("physicalLocation", .object([
                ("artifactLocation", .object([("uri", .string(location.file))])),
                ("region", .object([("startLine", .int(location.line)), ("startColumn", .int(location.column))])),
            ]))
        ])
    }
}

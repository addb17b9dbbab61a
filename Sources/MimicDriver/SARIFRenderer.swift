import MimicBasics

/// `--format sarif`: a SARIF 2.1.0 log with one run, a rule per diagnostic code that
/// occurs, and 1-based lines and columns (counted in Unicode code points). File locations
/// are percent-encoded URI references (absolute paths as `file://` URIs); a rule's help
/// names the section of grammar/diagnostics.md (mimicc has no canonical web address to put
/// in `helpUri`); inputs that could not be read are tool execution notifications of an
/// invocation that did not succeed.
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
                ("help", .object([("text", .string("\(code.summary) Examples and fixes: grammar/diagnostics.md, section \(code.rawValue), in the mimicc repository."))])),
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
                    ("invocations", .array([invocation(report)])),
                    ("columnKind", .string("unicodeCodePoints")),
                    ("results", .array(results)),
                ])
            ])),
        ]).rendered()
    }

    /// Whether mimicc could do its job: every input read. Each unreadable one is a
    /// notification, so a log without results cannot pass for a clean one.
    private static func invocation(_ report: LintReport) -> JSONValue {
        let notifications: [JSONValue] = report.unreadable.map { problem in
            .object([("level", .string("error")), ("message", .object([("text", .string(problem))]))])
        }
        var fields: [(String, JSONValue)] = [("executionSuccessful", .bool(report.unreadable.isEmpty))]
        if !notifications.isEmpty { fields.append(("toolExecutionNotifications", .array(notifications))) }
        return .object(fields)
    }

    /// A path as a URI reference (RFC 3986): every byte outside the unreserved characters
    /// and `/` percent-encoded; an absolute path becomes a `file://` URI.
    static func uri(_ path: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in path.utf8 {
            if unreserved.contains(byte) { bytes.append(byte) } else { bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]] }
        }
        let encoded = String(decoding: bytes, as: UTF8.self)
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    private static func physical(_ location: SourceLocation) -> JSONValue {
        .object([
            ("physicalLocation", .object([
                ("artifactLocation", .object([("uri", .string(uri(location.file)))])),
                ("region", .object([("startLine", .int(location.line)), ("startColumn", .int(location.column))])),
            ]))
        ])
    }
}

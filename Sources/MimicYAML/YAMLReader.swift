import CYAML
import MimicBasics

/// The only file that talks to libyaml. It walks libyaml's event stream and builds located
/// nodes on an explicit stack (no recursion, so deep nesting cannot overflow the stack),
/// expanding aliases and merge keys and counting nodes so that an alias bomb stops early.
public enum YAMLReader {
    /// Parses one spec document. Returns the root node (nil when the file could not be
    /// read as one YAML document) and every problem found along the way.
    public static func parse(
        _ bytes: [UInt8], file: String, limits: YAMLLimits = .standard
    ) -> (root: Node?, diagnostics: [Diagnostic]) {
        if bytes.count > limits.maxBytes {
            return (
                nil,
                [
                    .error(
                        .fileTooLarge,
                        "spec file is \(bytes.count) bytes; specs are limited to \(limits.maxBytes) bytes",
                        at: SourceLocation(file: file, line: 1, column: 1),
                        notes: [DiagnosticNote("a spec describes one experiment; put data in separate files")])
                ]
            )
        }
        if let bad = UTF8Validation.firstInvalidByte(in: bytes) {
            let hex = String(bad.byte, radix: 16, uppercase: true)
            return (
                nil,
                [
                    .error(
                        .invalidUTF8, "invalid UTF-8 byte 0x\(hex)",
                        at: SourceLocation(file: file, line: bad.line, column: bad.column),
                        notes: [DiagnosticNote("specs must be saved as UTF-8 text")])
                ]
            )
        }
        var builder = TreeBuilder(file: file, limits: limits)
        runParser(bytes, builder: &builder)
        return (builder.root, builder.diagnostics)
    }

    private static func runParser(_ bytes: [UInt8], builder: inout TreeBuilder) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            preconditionFailure("internal error: libyaml could not allocate a parser")
        }
        defer { yaml_parser_delete(&parser) }
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.syntaxError(describe(parser), bytes: bytes)
                    return
                }
                let keepGoing = builder.consume(translate(event))
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done || !keepGoing { return }
            }
        }
    }

    private static func describe(_ parser: yaml_parser_t) -> SyntaxProblem {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        let contextMark = parser.context_mark
        return SyntaxProblem(
            problem: problem, line: Int(mark.line) + 1, column: Int(mark.column) + 1,
            byteOffset: Int(mark.index), context: context,
            contextLine: Int(contextMark.line) + 1, contextColumn: Int(contextMark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private static func translate(_ event: yaml_event_t) -> Event {
        let mark = event.start_mark
        let position = (line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            return Event(kind: .documentStart, line: position.line, column: position.column)
        case YAML_ALIAS_EVENT:
            return Event(
                kind: .alias(string(event.data.alias.anchor) ?? ""), line: position.line,
                column: position.column)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = data.value.map {
                String(
                    decoding: UnsafeBufferPointer(start: $0, count: Int(data.length)), as: UTF8.self)
            } ?? ""
            let style: ScalarStyle
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            // A non-specific tag ("!") marks a quoted scalar; it carries no type.
            let tag = string(data.tag).flatMap { $0 == "!" ? nil : $0 }
            return Event(
                kind: .scalar(Scalar(text: text, style: style, tag: tag), anchor: string(data.anchor)),
                line: position.line, column: position.column)
        case YAML_SEQUENCE_START_EVENT:
            return Event(
                kind: .sequenceStart(anchor: string(event.data.sequence_start.anchor)),
                line: position.line, column: position.column)
        case YAML_MAPPING_START_EVENT:
            return Event(
                kind: .mappingStart(anchor: string(event.data.mapping_start.anchor)),
                line: position.line, column: position.column)
        case YAML_STREAM_END_EVENT:
            return Event(kind: .streamEnd, line: position.line, column: position.column)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            return Event(kind: .collectionEnd, line: position.line, column: position.column)
        default:
            return Event(kind: .other, line: position.line, column: position.column)
        }
    }
}

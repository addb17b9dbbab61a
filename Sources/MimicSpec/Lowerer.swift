import MimicBasics
import MimicYAML

/// Typed reads of YAML nodes that record a diagnostic for every problem and return nil,
/// so lowering carries on and reports all mistakes in one pass.
public struct Lowerer {
    var diagnostics = DiagnosticBag()
    /// False for abstract specs, which may leave required keys to the files extending them.
    var requireComplete = true
    /// Keys that an unknown key in the same mapping was probably meant to be (by mapping
    /// location), so a typo is reported once, not also as a missing key.
    private var typoTargets: Set<String> = []

    /// A mapping whose keys must come from `allowed`; unknown keys are reported with a
    /// did-you-mean suggestion. `what` names the mapping in messages ("model", "conv").
    mutating func mapping(_ node: Node, _ what: String, allowed: [String]) -> Node? {
        guard let entries = node.mapping else {
            wrongType(node, expected: "a mapping", for: what)
            return nil
        }
        for entry in entries where !allowed.contains(entry.name) {
            if let target = Suggestion.closest(to: entry.name, in: allowed) {
                typoTargets.insert("\(node.location)|\(target)")
            }
            diagnostics.error(
                .unknownKey, "unknown key '\(entry.name)' in '\(what)'", at: entry.key.location,
                notes: [Suggestion.note(for: entry.name, in: allowed)])
        }
        return node
    }

    /// The value under a key that must be present; reports it missing at the mapping.
    mutating func required(_ parent: Node, _ key: String, in what: String) -> Node? {
        if let value = parent[key] { return value }
        if requireComplete && !typoTargets.contains("\(parent.location)|\(key)") {
            diagnostics.error(
                .missingKey, "missing required key '\(key)' in '\(what)'", at: parent.location)
        }
        return nil
    }

    mutating func wrongType(_ node: Node, expected: String, for what: String, notes: [DiagnosticNote] = []) {
        diagnostics.error(
            .wrongType, "'\(what)' must be \(expected), found \(node.kindDescription)", at: node.location,
            notes: notes)
    }

    mutating func outOfRange(_ node: Node, _ what: String, _ rule: String, notes: [DiagnosticNote] = []) {
        diagnostics.error(.outOfRange, "'\(what)' \(rule)", at: node.location, notes: notes)
    }

    /// The largest integer a spec may write where no smaller bound applies (2^31 - 1): sizes
    /// beyond it are impossible anyway, and products of two such values cannot overflow.
    static let largestInteger = Int(Int32.max)

    mutating func int(_ node: Node, _ what: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let value = node.int else {
            var notes: [DiagnosticNote] = []
            if let d = node.double { notes.append(DiagnosticNote("\(d) is not a whole number")) }
            if node.scalar?.style == .doubleQuoted || node.scalar?.style == .singleQuoted {
                notes.append(DiagnosticNote("remove the quotes to write a number"))
            }
            wrongType(node, expected: "an integer", for: what, notes: notes)
            return nil
        }
        if let min, value < min {
            outOfRange(node, what, "must be at least \(min), found \(value)")
            return nil
        }
        if value > max ?? Self.largestInteger {
            outOfRange(node, what, "must be at most \(max ?? Self.largestInteger), found \(value)")
            return nil
        }
        return value
    }

    /// A number within bounds; `above`/`below` are exclusive, `min`/`max` inclusive.
    mutating func double(
        _ node: Node, _ what: String, min: Double? = nil, above: Double? = nil, max: Double? = nil,
        below: Double? = nil
    ) -> Double? {
        guard let value = node.double else {
            var notes: [DiagnosticNote] = []
            if node.scalar?.style == .doubleQuoted || node.scalar?.style == .singleQuoted {
                notes.append(DiagnosticNote("remove the quotes to write a number"))
            }
            wrongType(node, expected: "a number", for: what, notes: notes)
            return nil
        }
        if let min, value < min { outOfRange(node, what, "must be at least \(min), found \(value)") }
        else if let above, value <= above { outOfRange(node, what, "must be greater than \(above), found \(value)") }
        else if let max, value > max { outOfRange(node, what, "must be at most \(max), found \(value)") }
        else if let below, value >= below { outOfRange(node, what, "must be less than \(below), found \(value)") }
        else { return value }
        return nil
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let value = node.bool else {
            var notes: [DiagnosticNote] = []
            if let text = node.string, ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased()) {
                notes.append(DiagnosticNote("write 'true' or 'false'; '\(text)' is a string in mimicc specs"))
            }
            wrongType(node, expected: "true or false", for: what, notes: notes)
            return nil
        }
        return value
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar, !node.isNull else {
            wrongType(node, expected: "a string", for: what)
            return nil
        }
        return scalar.text
    }

    /// One of a fixed set of words.
    mutating func choice(_ node: Node, _ what: String, among options: [String]) -> String? {
        guard let text = node.scalar?.text, !node.isNull else {
            wrongType(
                node, expected: "one of " + options.map { "'\($0)'" }.joined(separator: ", "), for: what)
            return nil
        }
        guard options.contains(text) else {
            diagnostics.error(
                .invalidChoice, "'\(text)' is not a valid '\(what)'", at: node.location,
                notes: [Suggestion.note(for: text, in: options)])
            return nil
        }
        return text
    }

    /// A tagged union written either as a bare word (`loss: mimic`) or as a mapping with a
    /// single key naming the variant (`loss: {kd: {temperature: 4}}`). Returns the variant
    /// and its body (nil for the bare word, or `{}`/null bodies).
    mutating func variant(_ node: Node, _ what: String, among options: [String]) -> (
        name: String, body: Node?, location: SourceLocation
    )? {
        if node.scalar != nil {
            guard let name = choice(node, what, among: options) else { return nil }
            return (name, nil, node.location)
        }
        guard let entries = node.mapping else {
            wrongType(node, expected: "a word or a one-key mapping", for: what)
            return nil
        }
        guard entries.count == 1 else {
            diagnostics.error(
                .conflictingOptions,
                "'\(what)' takes exactly one of " + options.map { "'\($0)'" }.joined(separator: ", ")
                    + ", found \(entries.count)",
                at: node.location)
            return nil
        }
        let entry = entries[0]
        guard options.contains(entry.name) else {
            diagnostics.error(
                .invalidChoice, "'\(entry.name)' is not a valid '\(what)'", at: entry.key.location,
                notes: [Suggestion.note(for: entry.name, in: options)])
            return nil
        }
        return (entry.name, entry.value.isNull ? nil : entry.value, entry.key.location)
    }

    /// A numeric field of an optional mapping body, falling back to its documented default.
    mutating func double(
        in body: Node?, _ key: String, _ what: String, default fallback: Double, min: Double? = nil,
        above: Double? = nil, max: Double? = nil, below: Double? = nil
    ) -> Double? {
        guard let node = body?[key] else { return fallback }
        return double(node, what, min: min, above: above, max: max, below: below)
    }

    mutating func int(
        in body: Node?, _ key: String, _ what: String, default fallback: Int, min: Int? = nil,
        max: Int? = nil
    ) -> Int? {
        guard let node = body?[key] else { return fallback }
        return int(node, what, min: min, max: max)
    }
}

/// Type resolution of plain scalars, following YAML 1.2's core schema, except that only
/// `true` and `false` are booleans: YAML 1.1's `yes`/`no`/`on`/`off` are strings, so
/// `flip: yes` is reported as a wrong type rather than silently read either way.
extension Node {
    private static let stringTag = "tag:yaml.org,2002:str"

    /// Plain scalars that resolve to something other than a string.
    private var plainText: String? {
        guard let s = scalar, s.style == .plain, s.tag != Node.stringTag else { return nil }
        return s.text
    }

    public var isNull: Bool {
        guard let text = plainText else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    public var bool: Bool? {
        switch plainText {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// A decimal integer, with an optional sign and `_` digit separators.
    public var int: Int? {
        guard let text = plainText else { return nil }
        let digits = String(text.filter { $0 != "_" })
        guard !digits.isEmpty, !text.hasPrefix("_") else { return nil }
        return Int(digits)
    }

    /// A finite number (integers included). `.inf` and `.nan` are not accepted anywhere
    /// in a spec, so they are not numbers here.
    public var double: Double? {
        guard let text = plainText else { return nil }
        let cleaned = String(text.filter { $0 != "_" })
        guard let first = cleaned.first, first.isNumber || first == "-" || first == "+" || first == "."
        else { return nil }
        guard let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    /// The text of any scalar, read as a string (a number written plainly reads as its text).
    public var string: String? { scalar?.text }
}

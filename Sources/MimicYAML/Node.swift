/// MimicYAML is the first stage of the pipeline: it turns the bytes of a spec file into a
/// tree of located nodes (through libyaml's event API), so that every later diagnostic can
/// point at a line and column. It knows nothing about the spec language itself.

import MimicBasics

/// How a scalar was written. Quoted scalars are always strings: `"1"` is not a number.
public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

public struct Scalar: Sendable, Equatable {
    public var text: String
    public var style: ScalarStyle
    /// The explicit tag, if one was written (`!!str 12`), in its resolved long form.
    public var tag: String?

    public init(text: String, style: ScalarStyle = .plain, tag: String? = nil) {
        self.text = text
        self.style = style
        self.tag = tag
    }
}

/// One key/value pair of a mapping. Keys are nodes so they keep their own location.
public struct MappingEntry: Sendable, Equatable {
    public var key: Node
    public var value: Node

    public init(key: Node, value: Node) {
        self.key = key
        self.value = value
    }

    /// The key's text; keys are always scalars (the reader rejects any other).
    public var name: String { key.scalar?.text ?? "" }
}

/// A YAML node with the location of its first character. Mappings keep their key order.
public struct Node: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([MappingEntry])
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public static func scalar(_ text: String, at location: SourceLocation) -> Node {
        Node(.scalar(Scalar(text: text)), at: location)
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [MappingEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    /// The value stored under `key`, if this node is a mapping that has it.
    public subscript(key: String) -> Node? {
        entry(key)?.value
    }

    /// The entry (key and value) under `key`, when the key's own location is wanted.
    public func entry(_ key: String) -> MappingEntry? {
        mapping?.first { $0.name == key }
    }

    /// A word for this node's kind, for diagnostics ("expected a mapping, found a list").
    public var kindDescription: String {
        switch kind {
        case .scalar(let s):
            if s.style == .plain && s.tag == nil {
                if isNull { return "null" }
                if bool != nil { return "a boolean" }
                if int != nil { return "an integer" }
                if double != nil { return "a number" }
            }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// The part of a libyaml event the tree builder needs, copied out of C memory so the
/// builder is plain Swift and testable without libyaml.
struct Event {
    enum Kind {
        case documentStart
        case scalar(Scalar, anchor: String?)
        case alias(String)
        case sequenceStart(anchor: String?)
        case mappingStart(anchor: String?)
        case collectionEnd
        case streamEnd
        case other
    }

    var kind: Kind
    /// 1-based line and column of the event's first character.
    var line: Int
    var column: Int
}

/// libyaml's description of a syntax error, with 1-based positions.
struct SyntaxProblem {
    var problem: String
    var line: Int
    var column: Int
    var byteOffset: Int
    var context: String?
    var contextLine: Int
    var contextColumn: Int
}

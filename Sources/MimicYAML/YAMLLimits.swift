/// Bounds that keep hostile input (alias bombs, deep nesting, huge files) from
/// exhausting memory or the stack. Real specs are a few kilobytes and a few levels deep.
public struct YAMLLimits: Sendable {
    /// Largest file read, in bytes.
    public var maxBytes: Int
    /// Most nodes after alias expansion (each scalar, list and mapping counts once).
    public var maxNodes: Int
    /// Deepest nesting of lists and mappings.
    public var maxDepth: Int

    public init(maxBytes: Int = 4 << 20, maxNodes: Int = 100_000, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    public static let standard = YAMLLimits()
}

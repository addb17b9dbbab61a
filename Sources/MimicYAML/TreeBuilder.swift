import MimicBasics

/// Builds located nodes from parser events. Collections under construction live on an
/// explicit stack; anchors remember their finished node and its expanded size.
struct TreeBuilder {
    let file: String
    let limits: YAMLLimits
    private(set) var root: Node?
    private(set) var diagnostics: [Diagnostic] = []

    private struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        var items: [Node] = []
        var entries: [MappingEntry] = []
        var pendingKey: Node?
        /// Nodes in this subtree after alias expansion, itself included.
        var size = 1
    }

    private var stack: [Frame] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    private var expandedNodes = 0
    private var documents = 0

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    private func location(_ event: Event) -> SourceLocation {
        SourceLocation(file: file, line: event.line, column: event.column)
    }

    /// Takes one event; returns false when building must stop (the error is recorded).
    mutating func consume(_ event: Event) -> Bool {
        let here = location(event)
        switch event.kind {
        case .documentStart:
            documents += 1
            if documents > 1 {
                diagnostics.append(
                    .error(
                        .multipleDocuments, "a spec file holds one YAML document, found a second",
                        at: here,
                        notes: [
                            DiagnosticNote(
                                "put each spec in its own file; shared settings go in a file they 'extends'")
                        ]))
                root = nil
                return false
            }
            return true
        case .scalar(let scalar, let anchor):
            guard count(1, at: here) else { return false }
            let node = Node(.scalar(scalar), at: here)
            if let anchor { anchors[anchor] = (node, 1) }
            add(node, size: 1)
            return true
        case .alias(let name):
            guard let target = anchors[name] else {
                diagnostics.append(
                    .error(
                        .unknownAlias, "alias '*\(name)' refers to no anchor",
                        at: here,
                        notes: [DiagnosticNote("define '&\(name)' on a value above this line")]))
                // Stop here: a placeholder value would only cause follow-on errors.
                root = nil
                return false
            }
            guard count(target.size, at: here) else { return false }
            add(target.node, size: target.size)
            return true
        case .sequenceStart(let anchor), .mappingStart(let anchor):
            guard count(1, at: here) else { return false }
            if stack.count >= limits.maxDepth {
                diagnostics.append(
                    .error(
                        .nestingTooDeep,
                        "lists and mappings are nested more than \(limits.maxDepth) levels deep",
                        at: here))
                return false
            }
            var isMapping = false
            if case .mappingStart = event.kind { isMapping = true }
            stack.append(Frame(isMapping: isMapping, location: here, anchor: anchor))
            return true
        case .collectionEnd:
            guard let frame = stack.popLast() else {
                preconditionFailure("internal error: collection end without a start")
            }
            let node =
                frame.isMapping
                ? Node(.mapping(finishMapping(frame.entries)), at: frame.location)
                : Node(.sequence(frame.items), at: frame.location)
            if let anchor = frame.anchor { anchors[anchor] = (node, frame.size) }
            add(node, size: frame.size)
            return true
        case .streamEnd:
            if documents == 0 || root.map(isEmptyDocument) ?? true {
                diagnostics.append(
                    .error(
                        .emptyFile, "spec file contains no YAML document",
                        at: SourceLocation(file: file, line: 1, column: 1),
                        notes: [DiagnosticNote("a spec starts with 'mimicc: 1'")]))
                root = nil
            }
            return false
        case .other:
            return true
        }
    }

    private func isEmptyDocument(_ node: Node) -> Bool {
        node.scalar == Scalar(text: "", style: .plain)
    }

    /// Counts expanded nodes; false (with an error) once the limit is passed.
    private mutating func count(_ nodes: Int, at location: SourceLocation) -> Bool {
        expandedNodes += nodes
        guard expandedNodes > limits.maxNodes else { return true }
        diagnostics.append(
            .error(
                .aliasLimit,
                "document expands to more than \(limits.maxNodes) nodes",
                at: location,
                notes: [DiagnosticNote("aliases that repeat other aliases grow exponentially; expand fewer")]))
        return false
    }

    private mutating func add(_ node: Node, size: Int) {
        guard var top = stack.popLast() else {
            root = node
            return
        }
        top.size += size
        if !top.isMapping {
            top.items.append(node)
        } else if let key = top.pendingKey {
            top.entries.append(MappingEntry(key: key, value: node))
            top.pendingKey = nil
        } else {
            if node.scalar == nil {
                diagnostics.append(
                    .error(.wrongType, "mapping keys must be scalars, found \(node.kindDescription)", at: node.location))
            }
            top.pendingKey = node
        }
        stack.append(top)
    }

    /// Rejects duplicate keys and applies merge keys (`<<`): merged entries take the merge
    /// key's place, and never override a key written in the mapping itself.
    private mutating func finishMapping(_ entries: [MappingEntry]) -> [MappingEntry] {
        var firstSeen: [String: SourceLocation] = [:]
        for entry in entries where !isMergeKey(entry.key) {
            if let first = firstSeen[entry.name] {
                diagnostics.append(
                    .error(
                        .duplicateKey, "duplicate key '\(entry.name)'", at: entry.key.location,
                        notes: [DiagnosticNote("'\(entry.name)' first defined here", at: first)]))
            } else {
                firstSeen[entry.name] = entry.key.location
            }
        }
        var result: [MappingEntry] = []
        var present = Set(firstSeen.keys)
        var seen = Set<String>()
        for entry in entries {
            if !isMergeKey(entry.key) {
                if seen.insert(entry.name).inserted { result.append(entry) }
                continue
            }
            for source in mergeSources(entry.value) {
                for merged in source where !present.contains(merged.name) {
                    present.insert(merged.name)
                    result.append(merged)
                }
            }
        }
        return result
    }

    private func isMergeKey(_ key: Node) -> Bool {
        key.scalar == Scalar(text: "<<", style: .plain)
    }

    private mutating func mergeSources(_ value: Node) -> [[MappingEntry]] {
        if let entries = value.mapping { return [entries] }
        if let items = value.sequence, items.allSatisfy({ $0.mapping != nil }) {
            return items.compactMap(\.mapping)
        }
        diagnostics.append(
            .error(
                .invalidMerge, "merge key '<<' needs a mapping or a list of mappings, found \(value.kindDescription)",
                at: value.location,
                notes: [DiagnosticNote("write '<<: *name' where '&name' marks a mapping")]))
        return []
    }

    mutating func syntaxError(_ p: SyntaxProblem, bytes: [UInt8]) {
        var notes: [DiagnosticNote] = []
        let tabAtProblem = p.byteOffset < bytes.count && bytes[p.byteOffset] == 0x09
        if tabAtProblem || p.problem.contains("tab") {
            notes.append(DiagnosticNote("YAML does not allow tabs for indentation; indent with spaces"))
        }
        if let context = p.context {
            notes.append(
                DiagnosticNote(
                    context, at: SourceLocation(file: file, line: p.contextLine, column: p.contextColumn)))
        }
        diagnostics.append(
            .error(
                .yamlSyntax, "invalid YAML: \(p.problem)",
                at: SourceLocation(file: file, line: p.line, column: p.column), notes: notes))
        root = nil
    }
}

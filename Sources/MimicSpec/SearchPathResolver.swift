import MimicBasics
import MimicYAML

/// Checks that every search dimension names a value of the spec, and that its distribution
/// fits that value (integers get `int`, real numbers `uniform`/`log-uniform`, any `choice`).
/// Layer paths resolve against the lowered layers, so they work for the compact notation too.
public struct SearchPathResolver {

    let root: Node
    let layers: [Layer]

    enum Segment: Equatable {
        case key(String)
        case index(Int)
    }

    static func segments(_ path: String) -> [Segment]? {
        var result: [Segment] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            guard let bracket = rest.firstIndex(of: "[") ?? Optional(rest.endIndex) else { return nil }
            let key = rest[..<bracket]
            guard !key.isEmpty else { return nil }
            result.append(.key(String(key)))
            rest = rest[bracket...]
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"),
                    let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
                else { return nil }
                result.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        return result
    }

    /// The scalar node a path leads to in a node tree, or nil.
    static func scalar(at segments: [Segment], in root: Node) -> Node? {
        var node = root
        for segment in segments {
            switch segment {
            case .key(let key):
                guard let next = node[key] else { return nil }
                node = next
            case .index(let i):
                guard let items = node.sequence, i < items.count else { return nil }
                node = items[i]
            }
        }
        return node.scalar == nil ? nil : node
    }

    /// The spec's own value at a search path (a layer path reads the lowered layers, so the
    /// compact notation has values too), or nil.
    public static func value(at path: String, in spec: Spec) -> Node? {
        guard let segments = segments(path) else { return nil }
        if segments.count >= 3, segments[0] == .key("model"), segments[1] == .key("layers"), let layers = spec.model?.layers {
            return scalar(at: Array(segments.dropFirst(2)), in: LayerNodes.node(layers, at: spec.root.location))
        }
        return scalar(at: segments, in: spec.root)
    }

    /// The kind of value at `path`, or nil if it names nothing.
    func resolve(_ path: String) -> SearchValueKind? {
        guard let segments = Self.segments(path) else { return nil }
        if segments.count >= 3, segments[0] == .key("model"), segments[1] == .key("layers") {
            return resolveLayer(Array(segments.dropFirst(2)))
        }
        guard let node = Self.scalar(at: segments, in: root) else { return nil }
        guard !node.isNull else { return nil }
        if node.int != nil { return .integer }
        if node.double != nil { return .real }
        if node.bool != nil { return .boolean }
        return .word
    }

    private func resolveLayer(_ segments: [Segment]) -> SearchValueKind? {
        guard segments.count == 3, case .index(let i) = segments[0], i < layers.count,
            case .key(let kind) = segments[1], case .key(let field) = segments[2],
            layers[i].keyword == kind
        else { return nil }
        return layers[i].kind.searchable(field)
    }

    /// Every path a search could name, for did-you-mean suggestions.
    func candidatePaths() -> [String] {
        var paths: [String] = []
        func walk(_ node: Node, _ prefix: String) {
            switch node.kind {
            case .scalar: if !prefix.isEmpty { paths.append(prefix) }
            case .sequence(let items):
                for (i, item) in items.enumerated() { walk(item, "\(prefix)[\(i)]") }
            case .mapping(let entries):
                for entry in entries where !(prefix.isEmpty && entry.name == "search") {
                    if prefix == "model" && entry.name == "layers" { continue }
                    walk(entry.value, prefix.isEmpty ? entry.name : "\(prefix).\(entry.name)")
                }
            }
        }
        walk(root, "")
        for (i, layer) in layers.enumerated() {
            // Did-you-mean offers the numeric settings (words are rarely what a search varies).
            let fields = layer.kind.settings.map(\.key).filter {
                [.integer, .real, .dependent].contains(layer.kind.searchable($0))
            }
            paths += fields.map { "model.layers[\(i)].\(layer.keyword).\($0)" }
        }
        return paths
    }

    func check(_ dimension: SearchDimension, into diagnostics: inout DiagnosticBag) {
        guard let kind = resolve(dimension.path) else {
            var notes = [DiagnosticNote("a searched value must be set in the spec; its value there is the default")]
            if let match = Suggestion.closest(to: dimension.path, in: candidatePaths()) {
                notes.insert(DiagnosticNote("did you mean '\(match)'?"), at: 0)
            }
            diagnostics.error(.searchPath, "search path '\(dimension.path)' names nothing in this spec",
                              at: dimension.location, notes: notes)
            return
        }
        let problem: String?
        switch (kind, dimension.distribution) {
        case (.dependent, _):
            problem = "'\(dimension.path)' is the dependent width, solved from the budget; it cannot be searched"
        case (.integer, .uniform), (.integer, .logUniform):
            problem = "'\(dimension.path)' is an integer; search it with 'int: [low, high]'"
        case (.real, .int), (.boolean, .int), (.word, .int):
            problem = "'int' cannot vary '\(dimension.path)', which is not an integer"
        case (.boolean, .uniform), (.boolean, .logUniform), (.word, .uniform), (.word, .logUniform):
            problem = "'\(dimension.distribution.keyword)' cannot vary '\(dimension.path)', which is not a number; use 'choice'"
        case (_, .choice(let values)):
            problem = values.allSatisfy({ Self.fits($0, kind) })
                ? nil : "the choices for '\(dimension.path)' do not all have its type"
        default:
            problem = nil
        }
        if let problem {
            diagnostics.error(.searchDimension, problem, at: dimension.location)
        }
    }

    private static func fits(_ value: ChoiceValue, _ kind: SearchValueKind) -> Bool {
        switch (value, kind) {
        case (.int, .integer), (.int, .real), (.double, .real), (.bool, .boolean), (.string, .word): true
        default: false
        }
    }
}

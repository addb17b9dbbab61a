import MimicBasics
import MimicYAML

/// One point of a search: the spec with each searched value replaced. The result is an
/// ordinary spec (no `search` block) whose canonical form, and so whose run hash, names
/// every value the trial used.
public struct Assignment: Sendable, Equatable {
    public var path: String
    public var value: ChoiceValue

    public init(path: String, value: ChoiceValue) {
        self.path = path
        self.value = value
    }
}

extension ChoiceValue: CustomStringConvertible {
    /// As a YAML scalar: integers plain, reals with enough digits to round-trip.
    public var description: String {
        switch self {
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): "\(b)"
        case .string(let s): s
        }
    }
}

public enum SpecVariant {
    /// The spec with `assignments` in place, lowered again (so the budget is solved for the
    /// trial's widths by the analysis that follows). Diagnostics point at the searched values.
    /// `seed` replaces (or adds) `train.seed`: a search's trials each train with their own.
    public static func apply(_ assignments: [Assignment], seed: Int? = nil, to spec: Spec) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        var root = removing("search", from: spec.root)
        if let seed, let train = root["train"], var entries = train.mapping {
            let value = Node.scalar("\(seed)", at: train["seed"]?.location ?? train.location)
            if let i = entries.firstIndex(where: { $0.name == "seed" }) { entries[i].value = value }
            else { entries.append(MappingEntry(key: .scalar("seed", at: train.location), value: value)) }
            root = replacing(key: "train", in: root, with: Node(.mapping(entries), at: train.location))
        }
        if assignments.contains(where: { $0.path.hasPrefix("model.layers[") }), let model = root["model"],
           let layers = spec.model?.layers {
            // Layer paths count the lowered layers, and the compact notation has no node per
            // layer nor list items a node per default: write the layers out, every field explicit.
            var entries = model.mapping ?? []
            entries.removeAll { $0.name == "architecture" || $0.name == "layers" }
            entries.append(MappingEntry(key: .scalar("layers", at: model.location),
                                        value: LayerNodes.node(layers, at: model.location)))
            root = replacing(key: "model", in: root, with: Node(.mapping(entries), at: model.location))
        }
        for assignment in assignments {
            guard let segments = SearchPathResolver.segments(assignment.path),
                let original = SearchPathResolver.scalar(at: segments, in: root),
                let replaced = SearchTree.replacing(segments[...], in: root,
                                                    with: .scalar(assignment.value.description, at: original.location))
            else {
                return (nil, [.error(.searchPath, "search path '\(assignment.path)' names nothing in this spec",
                                     at: spec.search?.location ?? spec.root.location)])
            }
            root = replaced
        }
        return SpecLowering.lower(root, file: spec.file)
    }

    private static func removing(_ key: String, from root: Node) -> Node {
        Node(.mapping((root.mapping ?? []).filter { $0.name != key }), at: root.location)
    }

    private static func replacing(key: String, in root: Node, with value: Node) -> Node {
        var entries = root.mapping ?? []
        if let i = entries.firstIndex(where: { $0.name == key }) { entries[i].value = value }
        return Node(.mapping(entries), at: root.location)
    }
}

/// Replacing one value of a node tree by path.
enum SearchTree {
    static func replacing(_ segments: ArraySlice<SearchPathResolver.Segment>, in node: Node, with value: Node) -> Node? {
        guard let first = segments.first else { return value }
        let rest = segments.dropFirst()
        switch (first, node.kind) {
        case (.key(let key), .mapping(var entries)):
            guard let i = entries.firstIndex(where: { $0.name == key }),
                let replaced = replacing(rest, in: entries[i].value, with: value)
            else { return nil }
            entries[i].value = replaced
            return Node(.mapping(entries), at: node.location)
        case (.index(let i), .sequence(var items)) where i < items.count:
            guard let replaced = replacing(rest, in: items[i], with: value) else { return nil }
            items[i] = replaced
            return Node(.sequence(items), at: node.location)
        default:
            return nil
        }
    }
}

extension SpecVariant {
    /// `--set PATH=VALUE` of `mimicc study`: replaces values that the spec's (merged) tree
    /// writes, keeping its search, and lowers it again. Paths the spec does not write are
    /// left alone; `applied` counts the ones it does.
    public static func override(_ settings: [(path: String, text: String)], in spec: Spec)
        -> (spec: Spec?, diagnostics: [Diagnostic], applied: Int)
    {
        var root = spec.root
        var applied = 0
        for setting in settings {
            guard let segments = SearchPathResolver.segments(setting.path),
                let original = SearchPathResolver.scalar(at: segments, in: root),
                let replaced = SearchTree.replacing(segments[...], in: root, with: .scalar(setting.text, at: original.location))
            else { continue }
            root = replaced
            applied += 1
        }
        guard applied > 0 else { return (spec, [], 0) }
        let lowered = SpecLowering.lower(root, file: spec.file)
        return (lowered.spec, lowered.diagnostics, applied)
    }
}

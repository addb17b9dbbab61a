import MimicBasics
import MimicYAML

/// Writes lowered layers back as the list form of `model.layers`, each field explicit, so a
/// model written in the compact notation can have one of its widths replaced by a search.
enum LayerNodes {
    static func node(_ layers: [Layer], at location: SourceLocation) -> Node {
        Node(.sequence(layers.map { node($0) }), at: location)
    }

    static func node(_ layer: Layer) -> Node {
        let at = layer.location
        func scalar(_ text: String) -> Node { .scalar(text, at: at) }
        func body(_ fields: [(String, String)]) -> Node {
            Node(.mapping(fields.map { MappingEntry(key: scalar($0.0), value: scalar($0.1)) }), at: at)
        }
        let fields = layer.kind.settings.map { ($0.key, $0.value) }
        return Node(.mapping([MappingEntry(key: scalar(layer.keyword), value: body(fields))]), at: at)
    }
}

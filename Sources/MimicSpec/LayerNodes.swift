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
        let fields: [(String, String)]
        switch layer {
        case .conv(let c):
            fields = [("filters", c.filters.description), ("kernel", "\(c.kernel)"), ("stride", "\(c.stride)"),
                      ("padding", c.padding.description), ("activation", c.activation.rawValue)]
        case .maxpool(let p): fields = [("size", "\(p.size)"), ("stride", "\(p.stride)")]
        case .flatten: fields = []
        case .dense(let d): fields = [("units", d.units.description), ("activation", d.activation.rawValue)]
        case .linear(let l): fields = [("units", l.units.description)]
        case .dropout(let d): fields = [("rate", "\(d.rate)")]
        case .batchnorm(let b):
            fields = [("epsilon", "\(b.epsilon)"), ("momentum", "\(b.momentum)"), ("activation", b.activation.rawValue)]
        }
        return Node(.mapping([MappingEntry(key: scalar(layer.keyword), value: body(fields))]), at: at)
    }
}

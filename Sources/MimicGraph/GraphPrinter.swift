import MimicBasics

/// A stable text form of a graph, for golden tests and `mimicc compile --emit graph`.
/// Locations print as `file:line:col` with the file's last path component, so the text does
/// not depend on where the repository lives.
public enum GraphPrinter {
    public static func print(_ g: Graph) -> String {
        var out = "graph \(g.name) {\n"
        for value in g.values {
            switch value.role {
            case .input: out += "  \(value.id) = input \(value.name) \(shape(value.shape))\n"
            case .target: out += "  \(value.id) = target \(value.name) \(shape(value.shape))\n"
            case .parameter: out += "  \(value.id) = param \(value.name) \(shape(value.shape))  @\(location(value.origin))\n"
            case .state: out += "  \(value.id) = state \(value.name) \(shape(value.shape))  @\(location(value.origin))\n"
            default: continue
            }
        }
        for op in g.ops {
            let outputs = op.outputs.map { "\($0)" }.joined(separator: ", ")
            let inputs = op.inputs.map { "\($0)" }.joined(separator: ", ")
            let types = op.outputs.map { "\(g[$0].name) \(shape(g[$0].shape))" }.joined(separator: ", ")
            let attributes = op.kind.attributes.isEmpty ? "" : " " + op.kind.attributes
            out += "  \(outputs) = \(op.kind.mnemonic)(\(inputs))\(attributes) : \(types)  @\(location(op.origin))\n"
        }
        out += "  return " + g.outputs.map { "\($0)" }.joined(separator: ", ") + "\n}\n"
        return out
    }

    public static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ",") + "]" }

    static func location(_ l: SourceLocation) -> String {
        let file = l.file.split(separator: "/").last.map(String.init) ?? l.file
        return "\(file):\(l.line):\(l.column)"
    }
}

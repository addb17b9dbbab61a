import MimicBasics
import MimicGraph
import MimicYAML

/// Multiplies every value by a constant `factor` (no parameters), as the fast CIFAR-10
/// recipe scales its logits down.
public struct Scale: LayerKind {
    public var factor: Double
    public var location: SourceLocation

    public init(factor: Double, location: SourceLocation = .nowhere) {
        self.factor = factor
        self.location = location
    }

    public static let keyword = "scale"
    public static let namePrefix = "scale"
    public static let settingsOptional = false
    public static let schema = """
        "scale": {"type": "object", "additionalProperties": false, "required": ["factor"], "properties": {
          "factor": {"type": "number", "not": {"const": 0}}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Scale? {
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["factor"]),
            let node = l.required(body, "factor", in: "scale"), let factor = l.double(node, "scale.factor")
        else { return nil }
        guard factor != 0 else {
            l.outOfRange(node, "scale.factor", "must not be 0 (it would zero the layer's output and every gradient below it)")
            return nil
        }
        return Scale(factor: factor, location: item.location)
    }

    public var layer: Layer { .scale(self) }
    public var settings: [(key: String, value: String)] { [("factor", "\(factor)")] }
    public func searchable(_ key: String) -> SearchValueKind? { key == "factor" ? .real : nil }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? { input }
    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { .free }

    public func emit(_ e: inout LayerEmitter) {
        e.x = e.emit(Ops.Scale(factor: factor), [e.x], ["out"])[0]
    }
}

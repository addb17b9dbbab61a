import MimicBasics
import MimicGraph
import MimicYAML

/// Dropout at `rate` while training; left out of inference graphs.
public struct Dropout: LayerKind {
    public var rate: Double
    public var location: SourceLocation

    public init(rate: Double, location: SourceLocation = .nowhere) {
        self.rate = rate
        self.location = location
    }

    public static let keyword = "dropout"
    public static let namePrefix = "dropout"
    public static let settingsOptional = false
    public static let schema = """
        "dropout": {"type": "object", "additionalProperties": false, "properties": {
          "rate": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Dropout? {
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["rate"]) else { return nil }
        guard let rate = l.required(body, "rate", in: "dropout").flatMap({ l.double($0, "dropout.rate", min: 0, below: 1) })
        else { return nil }
        return Dropout(rate: rate, location: item.location)
    }

    public var layer: Layer { .dropout(self) }
    public var settings: [(key: String, value: String)] { [("rate", "\(rate)")] }
    public func searchable(_ key: String) -> SearchValueKind? { key == "rate" ? .real : nil }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? { input }
    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { .free }

    public func emit(_ e: inout LayerEmitter) {
        guard e.training else { return }
        e.x = e.emit(Ops.Dropout(rate: rate), [e.x], ["out", "mask"], roles: [.activation, .saved])[0]
    }
}

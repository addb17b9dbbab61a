import MimicBasics
import MimicYAML

/// A linear bottleneck: fully connected, no activation (Ba and Caruana's trick to train
/// wide shallow students; it folds into the next layer's weights after training).
public struct Linear: WidthLayerKind {
    public var units: Width
    public var location: SourceLocation

    public init(units: Width, location: SourceLocation = .nowhere) {
        self.units = units
        self.location = location
    }

    public static let keyword = "linear"
    public static let namePrefix = "linear"
    public static let settingsOptional = false
    public static let schema = """
        "linear": {"type": "object", "additionalProperties": false, "properties": {
          "units": {"$ref": "#/$defs/width"}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Linear? {
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["units"]) else { return nil }
        guard let units = l.required(body, "units", in: "linear").flatMap({ l.width($0, "linear.units") }) else { return nil }
        return Linear(units: units, location: item.location)
    }

    public var layer: Layer { .linear(self) }
    public var width: Width { units }

    public func with(width: Int) -> Linear {
        var copy = self
        copy.units = .fixed(width)
        return copy
    }

    public var settings: [(key: String, value: String)] { [("units", units.description)] }
    public func searchable(_ key: String) -> SearchValueKind? { key == "units" ? units.searchKind : nil }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? {
        .flat(features: units.fixedValue)
    }

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { Dense.cost(input, units: units, bias: true) }
    public func emit(_ e: inout LayerEmitter) { Dense.emit(&e, units: units, activation: .none, bias: true) }
}

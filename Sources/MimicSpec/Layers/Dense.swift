import MimicBasics
import MimicGraph
import MimicVocabulary
import MimicYAML

/// A fully connected layer with an activation (ReLU unless stated).
public struct Dense: WidthLayerKind {
    public var units: Width
    public var activation: Activation
    public var location: SourceLocation

    public init(units: Width, activation: Activation = .relu, location: SourceLocation = .nowhere) {
        self.units = units
        self.activation = activation
        self.location = location
    }

    public static let keyword = "dense"
    public static let namePrefix = "dense"
    public static let settingsOptional = false
    public static let schema = """
        "dense": {"type": "object", "additionalProperties": false, "properties": {
          "units": {"$ref": "#/$defs/width"},
          "activation": {"$ref": "#/$defs/activation"}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Dense? {
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["units", "activation"]) else { return nil }
        let units = l.required(body, "units", in: "dense").flatMap { l.width($0, "dense.units") }
        let activation = l.lowerActivation(body["activation"], "dense.activation")
        guard let units, let activation else { return nil }
        return Dense(units: units, activation: activation, location: item.location)
    }

    public var layer: Layer { .dense(self) }
    public var width: Width { units }

    public func with(width: Int) -> Dense {
        var copy = self
        copy.units = .fixed(width)
        return copy
    }

    public var settings: [(key: String, value: String)] { [("units", units.description), ("activation", activation.rawValue)] }

    public func searchable(_ key: String) -> SearchValueKind? {
        switch key {
        case "units": units.searchKind
        case "activation": .word
        default: nil
        }
    }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? {
        .flat(features: units.fixedValue)
    }

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { Self.cost(input, units: units) }
    public func emit(_ e: inout LayerEmitter) { Self.emit(&e, units: units, activation: activation) }

    /// A fully connected layer's weights and bias, and its matrix product (also `Linear`'s).
    static func cost(_ input: TensorShape, units: Width) -> LayerCost? {
        guard let inputs = input.elementCount, case .fixed(let units) = units else { return nil }
        return LayerCost(params: inputs * units + units, flops: 2 * inputs * units)
    }

    /// Flatten if needed, matmul, bias, activation (also `Linear`'s, with none).
    static func emit(_ e: inout LayerEmitter, units: Width, activation: Activation) {
        e.flattenIfSpatial()
        let w = e.parameter("weight", [units.solved, e.shape[0]])
        let b = e.parameter("bias", [units.solved])
        e.x = e.emit(Ops.MatMul(), [e.x, w], ["matmul"])[0]
        e.biasAndActivation(b, activation)
    }
}

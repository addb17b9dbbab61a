import MimicBasics
import MimicGraph
import MimicVocabulary
import MimicYAML

/// A fully connected layer with a bias (unless `bias: false`) and an activation (ReLU
/// unless stated).
public struct Dense: WidthLayerKind {
    public var units: Width
    public var activation: Activation
    public var bias: Bool
    public var location: SourceLocation

    public init(units: Width, activation: Activation = .relu, bias: Bool = true, location: SourceLocation = .nowhere) {
        self.units = units
        self.activation = activation
        self.bias = bias
        self.location = location
    }

    public static let keyword = "dense"
    public static let namePrefix = "dense"
    public static let settingsOptional = false
    public static let schema = """
        "dense": {"type": "object", "additionalProperties": false, "properties": {
          "units": {"$ref": "#/$defs/width"},
          "activation": {"$ref": "#/$defs/activation"},
          "bias": {"type": "boolean", "default": true}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Dense? {
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["units", "activation", "bias"]) else { return nil }
        let units = l.required(body, "units", in: "dense").flatMap { l.width($0, "dense.units") }
        let activation = l.lowerActivation(body["activation"], "dense.activation")
        let bias = body["bias"].map { l.bool($0, "dense.bias") } ?? true
        guard let units, let activation, let bias else { return nil }
        return Dense(units: units, activation: activation, bias: bias, location: item.location)
    }

    public var layer: Layer { .dense(self) }
    public var width: Width { units }

    public func with(width: Int) -> Dense {
        var copy = self
        copy.units = .fixed(width)
        return copy
    }

    /// `bias` is written only when false, so specs written before it keep their hash.
    public var settings: [(key: String, value: String)] {
        [("units", units.description), ("activation", activation.rawValue)] + (bias ? [] : [("bias", "false")])
    }

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

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { Self.cost(input, units: units, bias: bias) }
    public func emit(_ e: inout LayerEmitter) { Self.emit(&e, units: units, activation: activation, bias: bias) }

    /// A fully connected layer's weights and bias, and its matrix product (also `Linear`'s).
    static func cost(_ input: TensorShape, units: Width, bias: Bool) -> LayerCost? {
        guard let inputs = input.elementCount, case .fixed(let units) = units else { return nil }
        let weights = SaturatingCount.product(inputs, units)
        return LayerCost(params: SaturatingCount.sum(weights, bias ? units : 0), flops: SaturatingCount.product(2, weights))
    }

    /// Flatten if needed, matmul, bias, activation (also `Linear`'s, with none).
    static func emit(_ e: inout LayerEmitter, units: Width, activation: Activation, bias: Bool) {
        e.flattenIfSpatial()
        let w = e.parameter("weight", [units.solved, e.shape[0]])
        let b = bias ? e.parameter("bias", [units.solved]) : nil
        e.x = e.emit(Ops.MatMul(), [e.x, w], [b == nil && activation == .none ? "out" : "matmul"])[0]
        e.biasAndActivation(b, activation)
    }
}

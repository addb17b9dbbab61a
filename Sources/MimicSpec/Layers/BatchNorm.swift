import MimicBasics
import MimicGraph
import MimicVocabulary
import MimicYAML

/// Batch normalisation, then an optional activation, so that conv-batchnorm-activation is
/// written as a conv with `activation: none` followed by `batchnorm: {activation: relu}`.
public struct BatchNorm: LayerKind {
    public var epsilon: Double
    public var momentum: Double
    public var activation: Activation
    public var location: SourceLocation

    public init(epsilon: Double = 1e-5, momentum: Double = 0.1, activation: Activation = .none, location: SourceLocation = .nowhere) {
        self.epsilon = epsilon
        self.momentum = momentum
        self.activation = activation
        self.location = location
    }

    public static let keyword = "batchnorm"
    public static let namePrefix = "bn"
    public static let settingsOptional = true
    public static let schema = """
        "batchnorm": {"type": ["object", "null"], "additionalProperties": false, "properties": {
          "epsilon": {"type": "number", "exclusiveMinimum": 0, "default": 1e-5},
          "momentum": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.1},
          "activation": {"allOf": [{"$ref": "#/$defs/activation"}], "default": "none"}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> BatchNorm? {
        let body = body.flatMap { l.mapping($0, "batchnorm", allowed: ["epsilon", "momentum", "activation"]) }
        guard let epsilon = l.double(in: body, "epsilon", "batchnorm.epsilon", default: 1e-5, above: 0),
            let momentum = l.double(in: body, "momentum", "batchnorm.momentum", default: 0.1, above: 0, max: 1)
        else { return nil }
        let activation: Activation?
        if let node = body?["activation"] { activation = l.lowerActivation(node, "batchnorm.activation") } else { activation = Activation.none }
        guard let activation else { return nil }
        return BatchNorm(epsilon: epsilon, momentum: momentum, activation: activation, location: item.location)
    }

    public var layer: Layer { .batchnorm(self) }

    public var settings: [(key: String, value: String)] {
        [("epsilon", "\(epsilon)"), ("momentum", "\(momentum)"), ("activation", activation.rawValue)]
    }

    public func searchable(_ key: String) -> SearchValueKind? {
        switch key {
        case "epsilon", "momentum": .real
        case "activation": .word
        default: nil
        }
    }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? { input }

    /// A scale and a shift per channel (running statistics are not trained).
    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? {
        if case .spatial(let c?, _, _) = output { return LayerCost(params: 2 * c, flops: 0) }
        guard let elements = output.elementCount else { return nil }
        return LayerCost(params: 2 * elements, flops: 0)
    }

    public func emit(_ e: inout LayerEmitter) {
        let c = e.shape[0]
        let scale = e.parameter("scale", [c]), shift = e.parameter("shift", [c])
        let mean = e.state("running_mean", [c]), variance = e.state("running_var", [c])
        let normalized = activation == .none ? "out" : "norm"
        if e.training {
            e.x = e.emit(Ops.BatchNorm(epsilon: epsilon, momentum: momentum), [e.x, scale, shift, mean, variance],
                         [normalized, "mean", "inv_std"], roles: [.activation, .batchStatistic, .batchStatistic])[0]
        } else {
            e.x = e.emit(Ops.BatchNormInference(epsilon: epsilon), [e.x, scale, shift, mean, variance], [normalized])[0]
        }
        if activation != .none { e.x = e.emit(Ops.Activate(activation), [e.x], ["out"])[0] }
    }
}

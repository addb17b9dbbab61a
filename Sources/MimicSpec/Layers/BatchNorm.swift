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
    /// The scale stays at 1, untrained (the fast recipe's): only the shift learns.
    public var frozenScale: Bool
    public var location: SourceLocation

    public init(epsilon: Double = 1e-5, momentum: Double = 0.1, activation: Activation = .none, frozenScale: Bool = false,
                location: SourceLocation = .nowhere) {
        self.epsilon = epsilon
        self.momentum = momentum
        self.activation = activation
        self.frozenScale = frozenScale
        self.location = location
    }

    public static let keyword = "batchnorm"
    public static let namePrefix = "bn"
    public static let settingsOptional = true
    public static let schema = """
        "batchnorm": {"type": ["object", "null"], "additionalProperties": false, "properties": {
          "epsilon": {"type": "number", "exclusiveMinimum": 0, "default": 1e-5},
          "momentum": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.1},
          "activation": {"allOf": [{"$ref": "#/$defs/activation"}], "default": "none"},
          "frozen-scale": {"type": "boolean", "default": false}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> BatchNorm? {
        let body = body.flatMap { l.mapping($0, "batchnorm", allowed: ["epsilon", "momentum", "activation", "frozen-scale"]) }
        guard let epsilon = l.double(in: body, "epsilon", "batchnorm.epsilon", default: 1e-5, above: 0),
            let momentum = l.double(in: body, "momentum", "batchnorm.momentum", default: 0.1, above: 0, max: 1)
        else { return nil }
        let activation: Activation?
        if let node = body?["activation"] { activation = l.lowerActivation(node, "batchnorm.activation") } else { activation = Activation.none }
        let frozen = body?["frozen-scale"].map { l.bool($0, "batchnorm.frozen-scale") } ?? false
        guard let activation, let frozen else { return nil }
        return BatchNorm(epsilon: epsilon, momentum: momentum, activation: activation, frozenScale: frozen, location: item.location)
    }

    public var layer: Layer { .batchnorm(self) }

    /// `frozen-scale` is written only when set, so specs written before it keep their hash.
    public var settings: [(key: String, value: String)] {
        [("epsilon", "\(epsilon)"), ("momentum", "\(momentum)"), ("activation", activation.rawValue)]
            + (frozenScale ? [("frozen-scale", "true")] : [])
    }

    public func searchable(_ key: String) -> SearchValueKind? {
        switch key {
        case "epsilon", "momentum": .real
        case "activation": .word
        default: nil
        }
    }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? { input }

    /// A scale (unless frozen) and a shift per channel (running statistics are not trained).
    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? {
        let perChannel = frozenScale ? 1 : 2
        if case .spatial(let c?, _, _) = output { return LayerCost(params: SaturatingCount.product(perChannel, c), flops: 0) }
        guard let elements = output.elementCount else { return nil }
        return LayerCost(params: SaturatingCount.product(perChannel, elements), flops: 0)
    }

    public func emit(_ e: inout LayerEmitter) {
        let c = e.shape[0]
        let scale = frozenScale ? e.state("scale", [c], initialization: .one) : e.parameter("scale", [c], initialization: .one)
        let shift = e.parameter("shift", [c])
        let mean = e.state("running_mean", [c]), variance = e.state("running_var", [c], initialization: .one)
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

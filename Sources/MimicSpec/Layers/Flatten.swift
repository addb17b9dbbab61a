import MimicBasics
import MimicYAML

/// Image-shaped activations as one feature vector (dense layers flatten on their own).
public struct Flatten: LayerKind {
    public var location: SourceLocation

    public init(location: SourceLocation = .nowhere) { self.location = location }

    public static let keyword = "flatten"
    public static let namePrefix = "flatten"
    public static let settingsOptional = true
    public static let schema = """
        "flatten": {"type": ["object", "null"], "additionalProperties": false}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Flatten? {
        _ = body.flatMap { l.mapping($0, "flatten", allowed: []) }
        return Flatten(location: item.location)
    }

    public var layer: Layer { .flatten(self) }
    public var settings: [(key: String, value: String)] { [] }
    public func searchable(_ key: String) -> SearchValueKind? { nil }
    public var withoutLocations: Flatten { Flatten() }

    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? {
        .flat(features: input.elementCount)
    }

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { .free }

    public func emit(_ e: inout LayerEmitter) { e.flattenIfSpatial() }
}

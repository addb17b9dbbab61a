import MimicBasics
import MimicGraph
import MimicYAML

/// Max-pooling over `size` x `size` windows, `stride` apart (the window's size unless stated).
public struct MaxPool: LayerKind {
    public var size: Int
    public var stride: Int
    public var location: SourceLocation

    public init(size: Int = 2, stride: Int? = nil, location: SourceLocation = .nowhere) {
        self.size = size
        self.stride = stride ?? size
        self.location = location
    }

    public static let keyword = "maxpool"
    public static let namePrefix = "pool"
    public static let settingsOptional = true
    public static let schema = """
        "maxpool": {"type": ["object", "null"], "additionalProperties": false, "properties": {
          "size": {"type": "integer", "minimum": 1, "default": 2},
          "stride": {"type": "integer", "minimum": 1}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> MaxPool? {
        let body = body.flatMap { l.mapping($0, "maxpool", allowed: ["size", "stride"]) }
        guard let size = l.int(in: body, "size", "maxpool.size", default: 2, min: 1) else { return nil }
        guard let stride = l.int(in: body, "stride", "maxpool.stride", default: size, min: 1) else { return nil }
        return MaxPool(size: size, stride: stride, location: item.location)
    }

    public var layer: Layer { .maxpool(self) }
    public var settings: [(key: String, value: String)] { [("size", "\(size)"), ("stride", "\(stride)")] }

    public func searchable(_ key: String) -> SearchValueKind? {
        key == "size" || key == "stride" ? .integer : nil
    }


    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? {
        guard let (c, h, w) = check.spatial(input, for: self) else { return nil }
        guard h >= size, w >= size else {
            check.fail(.emptyShape, "max-pool \(size)x\(size) shrinks its \(h)x\(w) input to nothing",
                       at: location, hint: "use a smaller pool or remove this one")
            return nil
        }
        return .spatial(channels: c, height: (h - size) / stride + 1, width: (w - size) / stride + 1)
    }

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? { .free }

    public func emit(_ e: inout LayerEmitter) {
        e.x = e.emit(Ops.MaxPool(size: size, stride: stride), [e.x], ["out", "argmax"], roles: [.activation, .saved])[0]
    }
}

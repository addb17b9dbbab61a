import MimicBasics
import MimicSpec

/// What one layer costs, per image: its parameters, the FLOPs of its forward pass and the
/// bytes of its output activations.
public struct LayerCount: Sendable, Equatable {
    /// A stable name: `conv1`, `pool1`, `dense2`, ..., `output`.
    public var name: String
    /// The spec keyword (`conv`, `maxpool`, ...; `dense` for the implicit output layer).
    public var kind: String
    public var location: SourceLocation
    public var output: TensorShape
    /// Weights plus biases (batchnorm: scale and shift; running statistics are not trained).
    public var params: Int
    /// Forward FLOPs per image, a multiply-add counted as 2, for the convolution and matrix
    /// products; element-wise work (bias, activation, pooling) is not counted.
    public var flops: Int
    /// Bytes of the float32 output activations of one image.
    public var activationBytes: Int
}

public enum LayerCounter {
    /// Counts every layer of a model whose widths are all fixed, plus the implicit output
    /// layer. nil if a width is still dependent or a shape does not check.
    public static func count(_ model: Model) -> [LayerCount]? {
        let inference = ShapeInference.infer(model)
        guard inference.diagnostics.isEmpty else { return nil }
        var counts: [LayerCount] = []
        var seen: [String: Int] = [:]
        var input = TensorShape.spatial(channels: model.input[0], height: model.input[1], width: model.input[2])
        for (layer, output) in zip(model.layersWithOutput, inference.shapes) {
            guard let elements = output.elementCount, input.elementCount != nil else { return nil }
            let prefix = type(of: layer.kind).namePrefix
            seen[prefix, default: 0] += 1
            // The output layer is `output`; a layer after it (its scale) `output_scale`.
            let outputPart = counts.count - model.layers.count
            guard let cost = layer.kind.cost(input: input, output: output) else { return nil }
            counts.append(LayerCount(
                name: outputPart < 0 ? "\(prefix)\(seen[prefix]!)" : outputPart == 0 ? "output" : "output_\(prefix)", kind: layer.keyword,
                location: layer.location, output: output, params: cost.params, flops: cost.flops,
                activationBytes: SaturatingCount.product(elements, MemoryLayout<Float>.size)))
            input = output
        }
        return counts
    }
}

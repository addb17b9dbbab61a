import MimicGraph
import MimicKernels

/// A trained inference graph as an ONNX model (opset 17, dynamic batch). The model reads
/// `images`, [N, C, H, W] floats on the scale mimicc trains on (bytes / 255), normalises
/// them as training did, and writes `logits` [N, classes].
public enum ONNXExport {
    /// What training did to an image before the network saw it (`data.normalize`,
    /// `data.input-scale`).
    public enum Normalization {
        /// Each image to mean 0 and standard deviation 1 (at least 1e-6).
        case perImage
        /// Per channel, with the training images' mean and standard deviation.
        case perChannel(mean: [Float], std: [Float])
        case none
    }

    /// `values` holds every parameter and state value the graph reads.
    public static func model(_ graph: Graph, values: [ValueID: Tensor], normalization: Normalization, inputScale: Float,
                             producerVersion: String, docString: String) throws -> ONNXModel {
        guard let input = graph.values.first(where: { $0.role == .input }), let output = graph.outputs.first else {
            throw ONNXExportError("the graph has no input or no output")
        }
        var b = ONNXGraphBuilder(graph: graph, values: values)
        let shape = input.shape
        normalize("images", into: b.name(input.id), channels: shape[0], normalization, inputScale: inputScale, &b)
        for op in graph.ops {
            guard let kind = op.kind as? any ONNXLowerable else {
                throw ONNXExportError("'\(op.layer)' uses \(op.kind.mnemonic), which has no ONNX form yet")
            }
            try kind.lowerToONNX(op, &b)
        }
        b.node("Identity", [b.name(output)], ["logits"])
        var onnx = b.onnx
        onnx.inputs = [("images", [.parameter("batch")] + shape.map { .value($0) })]
        onnx.outputs = [("logits", [.parameter("batch")] + graph[output].shape.map { .value($0) })]
        return ONNXModel(graph: onnx, producerVersion: producerVersion, docString: docString)
    }

    /// The nodes that turn `images` into the network's input, as the batcher does.
    static func normalize(_ images: String, into x: String, channels: Int, _ normalization: Normalization, inputScale: Float,
                          _ b: inout ONNXGraphBuilder) {
        switch normalization {
        case .perImage:
            let (mean, centred, squares, variance, std, floored) =
                (b.temporary("mean"), b.temporary("centred"), b.temporary("squares"), b.temporary("variance"),
                 b.temporary("std"), b.temporary("std"))
            let axes: [ONNXAttribute] = [.ints("axes", [1, 2, 3]), .int("keepdims", 1)]
            b.node("ReduceMean", [images], [mean], axes)
            b.node("Sub", [images, mean], [centred])
            b.node("Mul", [centred, centred], [squares])
            b.node("ReduceMean", [squares], [variance], axes)
            b.node("Sqrt", [variance], [std])
            b.node("Max", [std, b.constant("floor", dims: [], values: [1e-6])], [floored])
            let scale = b.temporary("scale")
            b.node("Div", [b.constant("input_scale", dims: [], values: [inputScale]), floored], [scale])
            b.node("Mul", [centred, scale], [x])
        case .perChannel(let mean, let std):
            let centred = b.temporary("centred")
            b.node("Sub", [images, b.constant("channel_mean", dims: [1, channels, 1, 1], values: mean)], [centred])
            b.node("Mul", [centred, b.constant("channel_scale", dims: [1, channels, 1, 1], values: std.map { inputScale / $0 })], [x])
        case .none:
            b.node("Mul", [images, b.constant("input_scale", dims: [], values: [inputScale])], [x])
        }
    }
}

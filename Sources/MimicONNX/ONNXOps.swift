import MimicGraph
import MimicVocabulary

/// How each inference op becomes ONNX (opset 17) nodes. Shapes in mimicc are per example;
/// ONNX's carry the batch first, so an image is [N, C, H, W] and a vector [N, F].

extension Ops.Conv2D: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let weight = try b.parameter(op.inputs[1])  // [F, C, k, k], as ONNX's
        b.node("Conv", [b.name(op.inputs[0]), weight], [b.name(op.outputs[0])],
               [.ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]),
                .ints("pads", [padding, padding, padding, padding])])
    }
}

extension Ops.BiasAdd: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let x = b.graph[op.inputs[0]].shape, channels = b.graph[op.inputs[1]].shape[0]
        // Per channel of an image: [C, 1, 1] broadcasts over [N, C, H, W].
        let bias = x.count == 3 ? try b.parameter(op.inputs[1], dims: [channels, 1, 1], suffix: ".chw")
                                : try b.parameter(op.inputs[1])
        b.node("Add", [b.name(op.inputs[0]), bias], [b.name(op.outputs[0])])
    }
}

extension Ops.MatMul: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let weight = try b.parameter(op.inputs[1])  // [out, in]: y = x W^T
        b.node("Gemm", [b.name(op.inputs[0]), weight], [b.name(op.outputs[0])], [.int("transB", 1)])
    }
}

extension Ops.Activate: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let (x, y) = (b.name(op.inputs[0]), b.name(op.outputs[0]))
        switch function {
        case .relu: b.node("Relu", [x], [y])
        case .tanh: b.node("Tanh", [x], [y])
        case .sigmoid: b.node("Sigmoid", [x], [y])
        case .none: b.node("Identity", [x], [y])
        case .gelu:
            // Exact GELU, x * (1 + erf(x / sqrt 2)) / 2: opset 17 has Erf but not Gelu.
            let root2 = b.constant("sqrt2", dims: [], values: [Float(2.0.squareRoot())])
            let one = b.constant("one", dims: [], values: [1]), half = b.constant("half", dims: [], values: [0.5])
            let (scaled, erf, shifted, product) = (b.temporary(y), b.temporary(y), b.temporary(y), b.temporary(y))
            b.node("Div", [x, root2], [scaled])
            b.node("Erf", [scaled], [erf])
            b.node("Add", [erf, one], [shifted])
            b.node("Mul", [x, shifted], [product])
            b.node("Mul", [product, half], [y])
        }
    }
}

extension Ops.BatchNormInference: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let operands = try op.inputs[1...].map { try b.parameter($0) }  // scale, shift, running mean, variance
        b.node("BatchNormalization", [b.name(op.inputs[0])] + operands, [b.name(op.outputs[0])],
               [.float("epsilon", Float(epsilon))])
    }
}

extension Ops.MaxPool: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        // Only the maximum; the argmax output is for training.
        b.node("MaxPool", [b.name(op.inputs[0])], [b.name(op.outputs[0])],
               [.ints("kernel_shape", [size, size]), .ints("strides", [stride, stride])])
    }
}

extension Ops.Flatten: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        b.node("Flatten", [b.name(op.inputs[0])], [b.name(op.outputs[0])], [.int("axis", 1)])
    }
}

extension Ops.Scale: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        let factor = b.constant("factor", dims: [], values: [Float(factor)])
        b.node("Mul", [b.name(op.inputs[0]), factor], [b.name(op.outputs[0])])
    }
}

extension Ops.Dropout: ONNXLowerable {
    public func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws {
        b.node("Identity", [b.name(op.inputs[0])], [b.name(op.outputs[0])])
    }
}

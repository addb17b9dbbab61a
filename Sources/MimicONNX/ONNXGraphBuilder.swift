import MimicGraph
import MimicKernels

/// Builds an ONNX graph from a mimicc inference graph, one op at a time: names for values,
/// initializers for trained parameters (each written once), constants and nodes.
public struct ONNXGraphBuilder {
    public let graph: Graph
    /// Trained parameters and state by value.
    let values: [ValueID: Tensor]
    public private(set) var onnx: ONNXGraph
    private var written: Set<String> = []
    private var counter = 0

    init(graph: Graph, values: [ValueID: Tensor]) {
        self.graph = graph
        self.values = values
        onnx = ONNXGraph(name: graph.name)
    }

    /// A value's ONNX name: its mimicc name, which is unique within a graph.
    public func name(_ id: ValueID) -> String { graph[id].name }

    /// A fresh name for an intermediate result of a multi-node lowering.
    public mutating func temporary(_ stem: String) -> String {
        counter += 1
        return "\(stem).\(counter)"
    }

    /// The trained tensor of a parameter or state value as an initializer, reshaped to
    /// `dims` when given (a bias broadcast over an image's height and width).
    public mutating func parameter(_ id: ValueID, dims: [Int]? = nil, suffix: String = "") throws -> String {
        guard let tensor = values[id] else { throw ONNXExportError("'\(graph[id].name)' has no trained value") }
        let name = self.name(id) + suffix
        if written.insert(name).inserted {
            onnx.initializers.append(ONNXTensor(name: name, dims: dims ?? tensor.shape, values: tensor.data))
        }
        return name
    }

    /// A constant tensor as an initializer.
    public mutating func constant(_ stem: String, dims: [Int], values: [Float]) -> String {
        let name = temporary(stem)
        onnx.initializers.append(ONNXTensor(name: name, dims: dims, values: values))
        return name
    }

    public mutating func node(_ opType: String, _ inputs: [String], _ outputs: [String], _ attributes: [ONNXAttribute] = []) {
        onnx.nodes.append(ONNXNode(opType, name: temporary(opType), inputs: inputs, outputs: outputs, attributes: attributes))
    }
}

/// An op kind ONNX can express. Each kind's lowering is in `ONNXOps.swift`; an inference
/// graph with any other op cannot be exported (the error names it).
public protocol ONNXLowerable {
    func lowerToONNX(_ op: Op, _ b: inout ONNXGraphBuilder) throws
}

public struct ONNXExportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

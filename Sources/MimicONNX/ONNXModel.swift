/// The ONNX messages mimicc writes, with the field numbers of onnx/onnx.proto (IR version 8):
/// a model, its graph, nodes and their attributes, float tensors and the value infos of the
/// graph's input and output. Nothing else of the schema is copied.
public struct ONNXModel {
    public static let irVersion = 8
    public static let opsetVersion = 17

    public var graph: ONNXGraph
    public var producerVersion: String
    public var docString: String

    public init(graph: ONNXGraph, producerVersion: String, docString: String) {
        self.graph = graph
        self.producerVersion = producerVersion
        self.docString = docString
    }

    /// The model as protobuf bytes (a `.onnx` file).
    public func serialized() -> [UInt8] {
        var w = ProtobufWriter()
        w.int(1, Self.irVersion)                                         // ir_version
        w.string(2, "mimicc")                                            // producer_name
        w.string(3, producerVersion)                                     // producer_version
        w.string(6, docString)                                           // doc_string
        w.message(7) { graph.encode(&$0) }                               // graph
        w.message(8) { $0.string(1, ""); $0.int(2, Self.opsetVersion) }  // opset_import: the default domain
        return w.bytes
    }
}

/// A tensor dimension: a number, or a name for one fixed only at run time (the batch).
public enum ONNXDimension: Equatable {
    case value(Int)
    case parameter(String)
}

public struct ONNXGraph {
    public var name: String
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensor] = []
    /// The graph's float32 inputs and outputs and their shapes.
    public var inputs: [(name: String, shape: [ONNXDimension])] = []
    public var outputs: [(name: String, shape: [ONNXDimension])] = []

    public init(name: String) { self.name = name }

    func encode(_ w: inout ProtobufWriter) {
        for node in nodes { w.message(1) { node.encode(&$0) } }              // node
        w.string(2, name)                                                    // name
        for tensor in initializers { w.message(5) { tensor.encode(&$0) } }   // initializer
        for value in inputs { w.message(11) { Self.encode(value, &$0) } }    // input
        for value in outputs { w.message(12) { Self.encode(value, &$0) } }   // output
    }

    /// A ValueInfoProto of a float tensor.
    static func encode(_ value: (name: String, shape: [ONNXDimension]), _ w: inout ProtobufWriter) {
        w.string(1, value.name)                                 // name
        w.message(2) { type in                                  // type: TypeProto
            type.message(1) { tensor in                         // tensor_type
                tensor.int(1, ONNXTensor.float)                 // elem_type
                tensor.message(2) { shape in                    // shape: TensorShapeProto
                    for dimension in value.shape {
                        shape.message(1) { d in                 // dim
                            switch dimension {
                            case .value(let n): d.int(1, n)     // dim_value
                            case .parameter(let p): d.string(2, p)  // dim_param
                            }
                        }
                    }
                }
            }
        }
    }
}

public struct ONNXNode {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    public init(_ opType: String, name: String, inputs: [String], outputs: [String], attributes: [ONNXAttribute] = []) {
        self.opType = opType
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    func encode(_ w: inout ProtobufWriter) {
        for input in inputs { w.string(1, input) }                            // input
        for output in outputs { w.string(2, output) }                         // output
        w.string(3, name)                                                     // name
        w.string(4, opType)                                                   // op_type
        for attribute in attributes { w.message(5) { attribute.encode(&$0) } }  // attribute
    }
}

public enum ONNXAttribute {
    case int(String, Int)
    case float(String, Float)
    case ints(String, [Int])

    func encode(_ w: inout ProtobufWriter) {
        switch self {
        case .float(let name, let value):
            w.string(1, name)
            w.float(2, value)   // f
            w.int(20, 1)        // type FLOAT
        case .int(let name, let value):
            w.string(1, name)
            w.int(3, value)     // i
            w.int(20, 2)        // type INT
        case .ints(let name, let values):
            w.string(1, name)
            w.packedInts(8, values)  // ints
            w.int(20, 7)        // type INTS
        }
    }
}

/// A float32 tensor (a parameter or a constant), stored as little-endian raw data.
public struct ONNXTensor {
    static let float = 1  // TensorProto.DataType FLOAT

    public var name: String
    public var dims: [Int]
    public var values: [Float]

    public init(name: String, dims: [Int], values: [Float]) {
        precondition(dims.reduce(1, *) == values.count, "internal error: ONNX tensor '\(name)' has the wrong size")
        self.name = name
        self.dims = dims
        self.values = values
    }

    func encode(_ w: inout ProtobufWriter) {
        for d in dims { w.int(1, d) }       // dims (unpacked, as onnx writes them)
        w.int(2, Self.float)                // data_type
        w.string(8, name)                   // name
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
        w.bytes(9, raw)                     // raw_data
    }
}

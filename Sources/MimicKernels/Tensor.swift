/// MimicKernels holds the numerical kernels the runtime executes: naive reference kernels
/// that are the oracle (Reference/), and the fast ones checked against them.

/// A dense float32 tensor in row-major (NCHW) order.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "internal error: shape \(shape) holds \(shape.reduce(1, *)) values, not \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }

    /// The same values seen with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }
}


import MimicGraph

/// FLOPs an op executes for a batch, a multiply-add counted as 2, for the GEMM-shaped ops
/// (convolutions and matrix products, forward and backward); element-wise work is not counted.
public enum Flops {
    public static func of(_ op: Op, in g: Graph, batch: Int) -> Int {
        switch op.kind {
        case .conv2d(let k, _, _):
            let x = g[op.inputs[0]].shape, y = g[op.outputs[0]].shape
            return 2 * batch * y[0] * y[1] * y[2] * x[0] * k * k
        case .conv2dGradWeight(let k, _, _):
            let dy = g[op.inputs[0]].shape, x = g[op.inputs[1]].shape
            return 2 * batch * dy[0] * dy[1] * dy[2] * x[0] * k * k
        case .conv2dGradInput(let k, _, _):
            let dy = g[op.inputs[0]].shape, dx = g[op.outputs[0]].shape
            return 2 * batch * dy[0] * dy[1] * dy[2] * dx[0] * k * k
        case .matmul, .matmulGradInput, .matmulGradWeight:
            let w = op.kind == .matmulGradWeight ? g[op.outputs[0]].shape : g[op.inputs[1]].shape
            return 2 * batch * w[0] * w[1]
        default:
            return 0
        }
    }

    public static func of(_ kernel: Kernel, in g: Graph, batch: Int) -> Int {
        kernel.ops.reduce(0) { $0 + of(g.ops[$1], in: g, batch: batch) }
    }
}

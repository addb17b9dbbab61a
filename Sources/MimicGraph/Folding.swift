/// Inference-time folding: rewrites of the forward graph that keep its function and save
/// work, each recorded as a `Fold` that says how to compute the new parameters from trained
/// ones (the graph is compiled before any weights exist).
///
/// - A linear bottleneck followed by a dense layer (Ba and Caruana's observation: the linear
///   terms can be absorbed into the next weight matrix) becomes one matmul with
///   W = W2 W1 and b = W2 b1 + b2, when that takes fewer multiply-adds.
/// - Inference batchnorm after a convolution's bias becomes part of the convolution:
///   W' = W * s and b' = (b - mean) * s + shift per output channel, s = scale / sqrt(var + eps).
public enum Fold: Sendable, Equatable {
    case bottleneck(w1: ValueID, b1: ValueID, w2: ValueID, b2: ValueID, weight: ValueID, bias: ValueID)
    case batchnorm(w: ValueID, b: ValueID, scale: ValueID, shift: ValueID, mean: ValueID, variance: ValueID,
                   epsilon: Double, weight: ValueID, bias: ValueID)

    /// A line for the plan.
    public func describe(in g: Graph) -> String {
        switch self {
        case .bottleneck(let w1, _, let w2, _, let weight, _):
            "folded bottleneck \(layer(g[w1].name)) into \(layer(g[w2].name)): one \(GraphPrinter.shape(g[weight].shape)) matmul"
        case .batchnorm(let w, _, let scale, _, _, _, _, _, _):
            "folded batchnorm \(layer(g[scale].name)) into \(layer(g[w].name))"
        }
    }

    private func layer(_ name: String) -> String { String(name.split(separator: ".").first ?? "") }
}

public enum Folding {
    /// Folds every profitable pattern of an inference graph. Returns the new graph (verify it)
    /// and the folds, in the order their parameters must be computed.
    public static func fold(_ graph: Graph) -> (graph: Graph, folds: [Fold], declined: [String]) {
        var g = graph
        var folds: [Fold] = []
        var declined: [String] = []
        var ops = g.ops
        var i = 0
        while i < ops.count {
            // matmul(x, W1) -> bias_add(b1) -> matmul(., W2) -> bias_add(b2)
            if i + 3 < ops.count, ops[i].is(Ops.MatMul.self), ops[i + 1].is(Ops.BiasAdd.self), ops[i + 2].is(Ops.MatMul.self),
                ops[i + 3].is(Ops.BiasAdd.self), ops[i + 1].inputs[0] == ops[i].outputs[0],
                ops[i + 2].inputs[0] == ops[i + 1].outputs[0], ops[i + 3].inputs[0] == ops[i + 2].outputs[0]
            {
                let (w1, b1, w2, b2) = (ops[i].inputs[1], ops[i + 1].inputs[1], ops[i + 2].inputs[1], ops[i + 3].inputs[1])
                let (inner, input) = (g[w1].shape[0], g[w1].shape[1])
                let output = g[w2].shape[0]
                let before = inner * input + output * inner, after = output * input
                if after < before {
                    let weight = g.addValue("\(g[w2].name).folded", shape: [output, input], role: .parameter, origin: g[w2].origin)
                    let bias = g.addValue("\(g[b2].name).folded", shape: [output], role: .parameter, origin: g[b2].origin)
                    let matmul = Op(Ops.MatMul(), inputs: [ops[i].inputs[0], weight], outputs: ops[i + 2].outputs,
                                    layer: ops[i + 2].layer, origin: ops[i + 2].origin)
                    let add = Op(Ops.BiasAdd(), inputs: [ops[i + 2].outputs[0], bias], outputs: ops[i + 3].outputs,
                                 layer: ops[i + 3].layer, origin: ops[i + 3].origin)
                    ops.replaceSubrange(i..<i + 4, with: [matmul, add])
                    folds.append(.bottleneck(w1: w1, b1: b1, w2: w2, b2: b2, weight: weight, bias: bias))
                    continue
                }
                declined.append("kept bottleneck \(ops[i].layer): folding into \(ops[i + 2].layer) would raise multiply-adds per image from \(before) to \(after)")
            }
            // conv2d(x, W) -> bias_add(b) -> batchnorm_inference
            if i + 2 < ops.count, ops[i].is(Ops.Conv2D.self), ops[i + 1].is(Ops.BiasAdd.self),
                let epsilon = ops[i + 2].as(Ops.BatchNormInference.self)?.epsilon,
                ops[i + 1].inputs[0] == ops[i].outputs[0], ops[i + 2].inputs[0] == ops[i + 1].outputs[0]
            {
                let (w, b) = (ops[i].inputs[1], ops[i + 1].inputs[1])
                let bn = ops[i + 2].inputs
                let weight = g.addValue("\(g[w].name).folded", shape: g[w].shape, role: .parameter, origin: g[w].origin)
                let bias = g.addValue("\(g[b].name).folded", shape: g[b].shape, role: .parameter, origin: g[b].origin)
                let conv = Op(ops[i].kind, inputs: [ops[i].inputs[0], weight], outputs: ops[i].outputs,
                              layer: ops[i].layer, origin: ops[i].origin)
                let add = Op(Ops.BiasAdd(), inputs: [ops[i].outputs[0], bias], outputs: ops[i + 2].outputs,
                             layer: ops[i + 1].layer, origin: ops[i + 1].origin)
                ops.replaceSubrange(i..<i + 3, with: [conv, add])
                folds.append(.batchnorm(w: w, b: b, scale: bn[1], shift: bn[2], mean: bn[3], variance: bn[4],
                                        epsilon: epsilon, weight: weight, bias: bias))
                continue
            }
            i += 1
        }
        g.replaceOps(ops)
        return (g, folds, declined)
    }
}

import MimicBasics
import MimicGraph
import MimicKernels
import MimicVocabulary

/// Runs a graph op by op with the naive reference kernels: the oracle that the planned,
/// fused executor is tested against, and the engine of the gradient checks. Slow by design.
public enum ReferenceInterpreter {
    /// `feeds` holds the input batch, the targets and every parameter. Batched values are
    /// shaped [batch] + their per-example shape. Dropout masks are drawn from `dropoutSeed`,
    /// so two runs with the same seed see the same masks.
    /// `masks` replaces the generated dropout masks (by mask value), to compare with an
    /// engine that draws its own.
    public static func run(
        _ g: Graph, batch: Int, feeds: [ValueID: Tensor], dropoutSeed: UInt64 = 0, masks: [ValueID: Tensor] = [:]
    ) -> [ValueID: Tensor] {
        var env = feeds
        var generator = SeededGenerator(seed: dropoutSeed)
        func shape(_ id: ValueID) -> [Int] { (g.isBatched(id) ? [batch] : []) + g[id].shape }
        func flat(_ id: ValueID) -> Tensor {
            let t = env[id]!
            return t.reshaped([batch, t.count / batch])
        }
        for op in g.ops {
            let ins = op.inputs.map { env[$0]! }
            var outs: [Tensor]
            switch op.kind {
            case .conv2d(_, let s, let p):
                outs = [ReferenceConv2D.forward(ins[0], ins[1], stride: s, padding: p)]
            case .matmul:
                outs = [ReferenceDense.forward(flat(op.inputs[0]), ins[1])]
            case .biasAdd:
                outs = [ReferenceBias.forward(ins[0], ins[1])]
            case .activation(let a):
                outs = [ReferenceActivation.forward(a, ins[0])]
            case .maxpool(let size, let stride):
                let r = ReferenceMaxPool.forward(ins[0], size: size, stride: stride)
                outs = [r.y, r.argmax]
            case .flatten, .flattenGrad:
                outs = [ins[0]]
            case .dropout(let rate):
                let mask = masks[op.outputs[1]]
                    ?? Tensor(shape: ins[0].shape, data: ReferenceDropout.mask(count: ins[0].count, rate: rate, generator: &generator))
                outs = [ReferenceDropout.forward(ins[0], mask: mask), mask]
            case .batchnorm(let epsilon, let momentum):
                let r = ReferenceBatchNorm.forward(ins[0], scale: ins[1], shift: ins[2], epsilon: epsilon)
                outs = [r.y, r.mean, r.invStd]
                let samples = ins[0].count / ins[0].shape[1]
                let updated = ReferenceBatchNorm.updateRunning(
                    mean: ins[3], variance: ins[4], batchMean: r.mean, batchInvStd: r.invStd, epsilon: epsilon,
                    momentum: momentum, samples: samples)
                env[op.inputs[3]] = updated.mean
                env[op.inputs[4]] = updated.variance
            case .batchnormInference(let epsilon):
                outs = [ReferenceBatchNorm.inference(ins[0], scale: ins[1], shift: ins[2], mean: ins[3], variance: ins[4], epsilon: epsilon)]
            case .loss(let kind):
                let (teacher, labels) = targets(kind, op, env)
                let value = ReferenceLoss.value(kind, logits: ins[0], teacher: teacher, labels: labels)
                outs = [Tensor(shape: [], data: [Float(value)])]
            case .lossGrad(let kind):
                let (teacher, labels) = targets(kind, op, env)
                outs = [ReferenceLoss.grad(kind, logits: ins[0], teacher: teacher, labels: labels)]
            case .activationGrad(let a):
                outs = [ReferenceActivation.grad(a, ins[0], from: ins[1])]
            case .biasGrad:
                outs = [ReferenceBias.grad(ins[0])]
            case .matmulGradInput:
                outs = [ReferenceDense.gradInput(ins[0], ins[1])]
            case .matmulGradWeight:
                outs = [ReferenceDense.gradWeight(ins[0], flat(op.inputs[1]))]
            case .conv2dGradInput(_, let s, let p):
                outs = [ReferenceConv2D.gradInput(ins[0], ins[1], inputShape: shape(op.outputs[0]), stride: s, padding: p)]
            case .conv2dGradWeight(let k, let s, let p):
                outs = [ReferenceConv2D.gradWeight(ins[0], ins[1], kernel: k, stride: s, padding: p)]
            case .maxpoolGrad:
                outs = [ReferenceMaxPool.grad(ins[0], argmax: ins[1], inputShape: shape(op.outputs[0]))]
            case .dropoutGrad:
                outs = [ReferenceDropout.forward(ins[0], mask: ins[1])]
            case .batchnormGrad:
                let r = ReferenceBatchNorm.grad(ins[0], x: ins[1], scale: ins[2], mean: ins[3], invStd: ins[4])
                outs = [r.dx, r.dscale, r.dshift]
            }
            for (id, tensor) in zip(op.outputs, outs) { env[id] = tensor.reshaped(shape(id)) }
        }
        return env
    }

    /// The teacher logits and the labels among a loss op's inputs, by loss kind.
    static func targets(_ kind: LossKind, _ op: Op, _ env: [ValueID: Tensor]) -> (Tensor?, Tensor?) {
        switch kind {
        case .mimic: (env[op.inputs[1]], nil)
        case .crossEntropy: (nil, env[op.inputs[1]])
        case .kd: (env[op.inputs[1]], env[op.inputs[2]])
        }
    }
}

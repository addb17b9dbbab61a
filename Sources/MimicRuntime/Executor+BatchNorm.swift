import MimicGraph
import MimicKernels

/// Batch normalisation goes through the reference kernels on tensors: it is not on the
/// study's hot path (the paper's students use none), so clarity wins over speed here.
extension Executor {
    func tensor(_ id: ValueID) -> Tensor {
        let rows = plan.graph.isBatched(id) ? batch : 1
        let shape = (plan.graph.isBatched(id) ? [batch] : []) + self.shape(id)
        return Tensor(shape: shape, data: Array(UnsafeBufferPointer(start: memory(id), count: rows * elements(id))))
    }

    func store(_ t: Tensor, _ id: ValueID) {
        t.data.withUnsafeBufferPointer { memory(id).update(from: $0.baseAddress!, count: t.count) }
    }

    func bindBatchNorm(_ op: Op) -> () -> Void {
        switch op.kind {
        case .batchnorm(let epsilon, let momentum):
            return { [unowned self] in
                let x = self.tensor(op.inputs[0])
                let r = ReferenceBatchNorm.forward(x, scale: self.tensor(op.inputs[1]), shift: self.tensor(op.inputs[2]), epsilon: epsilon)
                self.store(r.y, op.outputs[0])
                self.store(r.mean, op.outputs[1])
                self.store(r.invStd, op.outputs[2])
                let running = ReferenceBatchNorm.updateRunning(
                    mean: self.tensor(op.inputs[3]), variance: self.tensor(op.inputs[4]), batchMean: r.mean,
                    batchInvStd: r.invStd, epsilon: epsilon, momentum: momentum, samples: x.count / x.shape[1])
                self.store(running.mean, op.inputs[3])
                self.store(running.variance, op.inputs[4])
            }
        case .batchnormInference(let epsilon):
            return { [unowned self] in
                let y = ReferenceBatchNorm.inference(
                    self.tensor(op.inputs[0]), scale: self.tensor(op.inputs[1]), shift: self.tensor(op.inputs[2]),
                    mean: self.tensor(op.inputs[3]), variance: self.tensor(op.inputs[4]), epsilon: epsilon)
                self.store(y, op.outputs[0])
            }
        case .batchnormGrad:
            return { [unowned self] in
                let r = ReferenceBatchNorm.grad(
                    self.tensor(op.inputs[0]), x: self.tensor(op.inputs[1]), scale: self.tensor(op.inputs[2]),
                    mean: self.tensor(op.inputs[3]), invStd: self.tensor(op.inputs[4]))
                self.store(r.dx, op.outputs[0])
                self.store(r.dscale, op.outputs[1])
                self.store(r.dshift, op.outputs[2])
            }
        default:
            preconditionFailure("internal error: not a batchnorm op")
        }
    }
}

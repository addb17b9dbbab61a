import MimicBLAS
import MimicGraph
import MimicKernels
import MimicVocabulary

/// Binding a kernel to its buffers: fused kernels have an implementation each (values
/// inside them live in per-thread scratch, or nowhere); single ops share one per op kind.
extension Executor {
    func shape(_ id: ValueID) -> [Int] { plan.graph[id].shape }
    func elements(_ id: ValueID) -> Int { plan.graph[id].elementCount }
    func memory(_ id: ValueID) -> UnsafeMutablePointer<Float> {
        guard let p = pointer(id) else { preconditionFailure("internal error: \(plan.graph[id].name) has no memory") }
        return p
    }
    var batch: Int { plan.batch }

    func bind(_ kernel: Kernel) -> () -> Void {
        let ops = kernel.ops.map { plan.graph.ops[$0] }
        switch kernel.name {
        case "conv2d+bias+act+maxpool", "conv2d+bias+act", "conv2d+bias":
            return bindConvolutionForward(ops)
        case "matmul+bias+act", "matmul+bias":
            return bindFusedDense(ops)
        case "output+bias+loss+loss_grad+bias_grad":
            return bindFusedOutputLoss(ops)
        case "act_grad+bias_grad", "loss_grad+bias_grad", "maxpool_grad+act_grad+bias_grad":
            return bindFusedGradient(ops)
        default:
            precondition(ops.count == 1, "internal error: no implementation of fused kernel \(kernel.name)")
            return bindOp(ops[0], index: kernel.ops[0])
        }
    }

    // MARK: Dense

    /// matmul -> bias_add [-> activation] over the whole batch: one GEMM, then one pass.
    func bindFusedDense(_ ops: [Op]) -> () -> Void {
        let x = memory(ops[0].inputs[0]), weight = memory(ops[0].inputs[1]), bias = memory(ops[1].inputs[1])
        let (output, input) = (shape(ops[0].inputs[1])[0], shape(ops[0].inputs[1])[1])
        var activation = Activation.none
        if ops.count > 2, case .activation(let a) = ops[2].kind { activation = a }
        let pre = pointer(ops[1].outputs[0])
        let out = ops.count > 2 ? pointer(ops[2].outputs[0]) : pre
        return { [unowned self] in
            let target = pre ?? out ?? self.scratch[0]
            self.gemm(.none, .transposed, m: self.batch, n: output, k: input, a: x, lda: input, b: weight, ldb: input,
                           c: target, ldc: output)
            if let pre, activation != .none, let out {
                Elementwise.rowBiasActivation(pre, bias: bias, rows: self.batch, features: output, .none)
                for i in 0..<(self.batch * output) { out[i] = ReferenceActivation.apply(activation, pre[i]) }
            } else {
                Elementwise.rowBiasActivation(target, bias: bias, rows: self.batch, features: output, activation)
            }
        }
    }

    /// The output layer, its loss, the loss's gradient and the output bias's gradient.
    func bindFusedOutputLoss(_ ops: [Op]) -> () -> Void {
        let x = memory(ops[0].inputs[0]), weight = memory(ops[0].inputs[1]), bias = memory(ops[1].inputs[1])
        let (classes, input) = (shape(ops[0].inputs[1])[0], shape(ops[0].inputs[1])[1])
        guard case .loss(let kind) = ops[2].kind else { preconditionFailure("internal error: not a loss") }
        let (teacher, labels) = targets(kind, ops[2])
        let logitsMemory = pointer(ops[1].outputs[0])
        let dLogits = memory(ops[3].outputs[0]), dBias = memory(ops[4].outputs[0])
        return { [unowned self] in
            let logits = logitsMemory ?? self.scratch[0]
            self.gemm(.none, .transposed, m: self.batch, n: classes, k: input, a: x, lda: input, b: weight, ldb: input,
                           c: logits, ldc: classes)
            Elementwise.rowBiasActivation(logits, bias: bias, rows: self.batch, features: classes, .none)
            self.loss = Losses.valueAndGradient(kind, logits: logits, teacher: teacher,
                                                labels: labels, batch: self.batch, classes: classes, gradient: dLogits)
            dBias.update(repeating: 0, count: classes)
            Elementwise.accumulateChannelSums(dLogits, batch: self.batch, channels: classes, inner: 1, into: dBias)
        }
    }

    func targets(_ kind: LossKind, _ op: Op) -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) {
        switch kind {
        case .mimic: (memory(op.inputs[1]), nil)
        case .crossEntropy: (nil, memory(op.inputs[1]))
        case .kd: (memory(op.inputs[1]), memory(op.inputs[2]))
        }
    }

    // MARK: Gradients

    /// [maxpool_grad ->] activation_grad -> bias_grad, or loss_grad -> bias_grad: the
    /// activation mask applied to the incoming gradient and the bias gradient reduced in the
    /// same pass over each image.
    func bindFusedGradient(_ ops: [Op]) -> () -> Void {
        let biasOp = ops[ops.count - 1]
        let dz = memory(biasOp.inputs[0]), dBias = memory(biasOp.outputs[0])
        let channels = shape(biasOp.outputs[0])[0]
        let perImage = elements(biasOp.inputs[0]), inner = perImage / channels
        if case .lossGrad(let kind) = ops[0].kind {
            let (teacher, labels) = targets(kind, ops[0])
            let logits = memory(ops[0].inputs[0])
            return { [unowned self] in
                _ = Losses.valueAndGradient(kind, logits: logits, teacher: teacher, labels: labels,
                                            batch: self.batch, classes: channels, gradient: dz)
                dBias.update(repeating: 0, count: channels)
                Elementwise.accumulateChannelSums(dz, batch: self.batch, channels: channels, inner: 1, into: dBias)
            }
        }
        let actOp = ops[ops.count - 2]
        guard case .activationGrad(let activation) = actOp.kind else { preconditionFailure("internal error: not an activation gradient") }
        let v = memory(actOp.inputs[1])
        var pool: (dy: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Float>, count: Int)?
        var disjointWindows = false
        if ops.count == 3, case .maxpoolGrad(let size, let stride) = ops[0].kind {
            pool = (memory(ops[0].inputs[0]), memory(ops[0].inputs[1]), elements(ops[0].inputs[0]) / channels)
            disjointWindows = stride >= size
        }
        // With ReLU and windows that do not overlap, each input gets at most one output's
        // gradient and the mask at the winner is its pooled value's sign: one pass over the
        // pooled outputs does the scatter, the mask and the bias sum.
        let reluThroughDisjointPool = disjointWindows && activation == .relu
        let dy = pool == nil ? memory(actOp.inputs[0]) : nil
        return { [unowned self] in
            self.parallel(self.batch) { range, t in
                let partial = self.scratch[t]
                partial.update(repeating: 0, count: channels)
                for b in range {
                    let image = dz + b * perImage
                    if let pool, reluThroughDisjointPool {
                        image.update(repeating: 0, count: perImage)
                        let winners = v + b * perImage
                        for c in 0..<channels {
                            let offset = (b * channels + c) * pool.count
                            let gradient = pool.dy + offset, argmax = pool.argmax + offset
                            let plane = image + c * inner, values = winners + c * inner
                            var sum: Float = 0
                            for i in 0..<pool.count {
                                // A select, not a branch: the signs are random.
                                let at = Int(argmax[i])
                                let passed = values[at] > 0 ? gradient[i] : 0
                                plane[at] = passed
                                sum += passed
                            }
                            partial[c] += sum
                        }
                        continue
                    }
                    if let pool {
                        image.update(repeating: 0, count: perImage)
                        for c in 0..<channels {
                            let offset = (b * channels + c) * pool.count
                            Pooling.scatterPlane(pool.dy + offset, argmax: pool.argmax + offset, count: pool.count, into: image + c * inner)
                        }
                        Elementwise.activationGrad(image, v + b * perImage, image, count: perImage, activation)
                    } else {
                        Elementwise.activationGrad(dy! + b * perImage, v + b * perImage, image, count: perImage, activation)
                    }
                    Elementwise.accumulateChannelSums(image, batch: 1, channels: channels, inner: inner, into: partial)
                }
            }
            self.reducePartials(into: dBias, count: channels, workers: min(self.threads, self.batch))
        }
    }

    /// dst = the sum of the first `count` floats of each worker's scratch, in worker order.
    func reducePartials(into destination: UnsafeMutablePointer<Float>, count: Int, workers: Int, offset: Int = 0) {
        destination.update(from: scratch[0] + offset, count: count)
        for t in 1..<max(1, workers) {
            let partial = scratch[t] + offset
            for i in 0..<count { destination[i] += partial[i] }
        }
    }
}

import MimicBLAS
import MimicKernels
import MimicVocabulary

/// The implementations of the fused kernels (`FusedKernel`): values inside them live in
/// per-thread scratch, or nowhere. The convolution forward's is in `Convolution.swift`.
extension KernelContext {
    // MARK: Dense

    /// matmul -> bias_add [-> activation] over the whole batch (`DenseProduct`).
    func bindFusedDense(_ ops: [Op]) -> () -> Void {
        let product = DenseProduct(ops[0], self), bias = memory(ops[1].inputs[1])
        var activation = Activation.none
        if ops.count > 2, let a = ops[2].as(Ops.Activate.self) { activation = a.function }
        let pre = pointer(ops[1].outputs[0])
        let out = ops.count > 2 ? pointer(ops[2].outputs[0]) : pre
        let count = product.outputs
        return { [unowned self] in
            if let pre, activation != .none, let out {
                // Both the sum and the activation are read later: keep each.
                product.run(self, bias: bias, activation: .none, into: pre)
                Elementwise.activate(activation, pre, out, count: self.batch * count)
            } else {
                product.run(self, bias: bias, activation: activation, into: pre ?? out ?? self.scratch(0))
            }
        }
    }

    /// The output layer, its loss, the loss's gradient and the output bias's gradient.
    func bindFusedOutputLoss(_ ops: [Op]) -> () -> Void {
        let x = memory(ops[0].inputs[0]), weight = memory(ops[0].inputs[1]), bias = memory(ops[1].inputs[1])
        let (classes, input) = (shape(ops[0].inputs[1])[0], shape(ops[0].inputs[1])[1])
        guard let kind = ops[2].as(Ops.Loss.self)?.loss else { preconditionFailure("internal error: not a loss") }
        let (teacher, labels) = targets(kind, ops[2])
        let logitsMemory = pointer(ops[1].outputs[0])
        let dLogits = memory(ops[3].outputs[0]), dBias = memory(ops[4].outputs[0])
        return { [unowned self] in
            let logits = logitsMemory ?? self.scratch(0)
            self.gemm(.none, .transposed, m: self.batch, n: classes, k: input, a: x, lda: input, b: weight, ldb: input,
                           c: logits, ldc: classes)
            Elementwise.rowBiasActivation(logits, bias: bias, rows: self.batch, features: classes, .none)
            self.loss = Losses.valueAndGradient(kind, logits: logits, teacher: teacher,
                                                labels: labels, batch: self.batch, classes: classes, gradient: dLogits)
            dBias.update(repeating: 0, count: classes)
            Elementwise.accumulateChannelSums(dLogits, batch: self.batch, channels: classes, inner: 1, into: dBias)
        }
    }

    // MARK: Gradients

    /// [maxpool_grad ->] activation_grad -> bias_grad, or loss_grad -> bias_grad: the
    /// activation mask applied to the incoming gradient and the bias gradient reduced in the
    /// same pass over each image.
    func bindFusedGradient(_ ops: [Op]) -> () -> Void {
        let biasOp = ops[ops.count - 1]
        let channels = shape(biasOp.outputs[0])[0]
        let perImage = elements(biasOp.inputs[0]), inner = perImage / channels
        // Under a frozen convolution (the whitening stem) nothing after this kernel reads the
        // masked gradient, so the plan gives it no memory; the kernel still writes it.
        let dz = pointer(biasOp.inputs[0]) ?? kernelBuffer(batch * perImage), dBias = memory(biasOp.outputs[0])
        if let kind = ops[0].as(Ops.LossGrad.self)?.loss {
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
        guard let activation = actOp.as(Ops.ActivateGrad.self)?.function else { preconditionFailure("internal error: not an activation gradient") }
        let v = memory(actOp.inputs[1])
        var pool: (dy: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Float>, count: Int)?
        var disjointWindows = false
        if ops.count == 3, let grad = ops[0].as(Ops.MaxPoolGrad.self) {
            pool = (memory(ops[0].inputs[0]), memory(ops[0].inputs[1]), elements(ops[0].inputs[0]) / channels)
            disjointWindows = grad.stride >= grad.size
        }
        // With ReLU and windows that do not overlap, each input gets at most one output's
        // gradient and the mask at the winner is its pooled value's sign: one pass over the
        // pooled outputs does the scatter, the mask and the bias sum.
        let reluThroughDisjointPool = disjointWindows && activation == .relu
        let dy = pool == nil ? memory(actOp.inputs[0]) : nil
        return { [unowned self] in
            self.inPieces(self.batch) { range, piece, _ in
                let partial = self.partial(piece)
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
            self.sumPieces(of: self.batch, into: dBias, count: channels)
        }
    }
}

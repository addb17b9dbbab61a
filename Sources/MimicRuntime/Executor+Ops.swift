import MimicBasics
import MimicBLAS
import MimicGraph
import MimicKernels

/// One implementation per op kind, for kernels of a single op (unfused plans, and ops no
/// fusion rule covers).
extension Executor {
    func bindOp(_ op: Op, index: Int) -> () -> Void {
        let n = batch
        switch op.kind {
        case .conv2d, .conv2dGradWeight, .conv2dGradInput:
            return bindConvolution(op)
        case .matmul:
            let x = memory(op.inputs[0]), weight = memory(op.inputs[1]), y = memory(op.outputs[0])
            let (output, input) = (shape(op.inputs[1])[0], shape(op.inputs[1])[1])
            return { [unowned self] in
                self.gemm(.none, .transposed, m: n, n: output, k: input, a: x, lda: input, b: weight, ldb: input, c: y, ldc: output)
            }
        case .matmulGradWeight:
            let dy = memory(op.inputs[0]), x = memory(op.inputs[1]), dw = memory(op.outputs[0])
            let (output, input) = (shape(op.outputs[0])[0], shape(op.outputs[0])[1])
            return { [unowned self] in
                self.gemm(.transposed, .none, m: output, n: input, k: n, a: dy, lda: output, b: x, ldb: input, c: dw, ldc: input)
            }
        case .matmulGradInput:
            let dy = memory(op.inputs[0]), weight = memory(op.inputs[1]), dx = memory(op.outputs[0])
            let (output, input) = (shape(op.inputs[1])[0], shape(op.inputs[1])[1])
            return { [unowned self] in
                self.gemm(.none, .none, m: n, n: input, k: output, a: dy, lda: output, b: weight, ldb: input, c: dx, ldc: input)
            }
        case .biasAdd:
            let x = memory(op.inputs[0]), bias = memory(op.inputs[1]), y = memory(op.outputs[0])
            let channels = shape(op.inputs[1])[0], perImage = elements(op.inputs[0])
            return {
                if x != y { y.update(from: x, count: n * perImage) }
                for b in 0..<n {
                    Elementwise.biasActivation(y + b * perImage, bias: bias, channels: channels, inner: perImage / channels, .none)
                }
            }
        case .activation(let a):
            let x = memory(op.inputs[0]), y = memory(op.outputs[0]), count = n * elements(op.inputs[0])
            return { for i in 0..<count { y[i] = ReferenceActivation.apply(a, x[i]) } }
        case .activationGrad(let a):
            let dy = memory(op.inputs[0]), v = memory(op.inputs[1]), dx = memory(op.outputs[0])
            let count = n * elements(op.inputs[0])
            return { Elementwise.activationGrad(dy, v, dx, count: count, a) }
        case .biasGrad:
            let dy = memory(op.inputs[0]), db = memory(op.outputs[0])
            let channels = shape(op.outputs[0])[0], inner = elements(op.inputs[0]) / channels
            return {
                db.update(repeating: 0, count: channels)
                Elementwise.accumulateChannelSums(dy, batch: n, channels: channels, inner: inner, into: db)
            }
        case .maxpool(let size, let stride):
            let x = memory(op.inputs[0]), y = memory(op.outputs[0]), argmax = pointer(op.outputs[1])
            let input = shape(op.inputs[0]), planeOut = elements(op.outputs[0]) / input[0]
            return { [unowned self] in
                self.parallel(n * input[0]) { range, _ in
                    for plane in range {
                        Pooling.maxpoolPlane(x + plane * input[1] * input[2], height: input[1], width: input[2], size: size,
                                             stride: stride, y + plane * planeOut, argmax.map { $0 + plane * planeOut })
                    }
                }
            }
        case .maxpoolGrad:
            let dy = memory(op.inputs[0]), argmax = memory(op.inputs[1]), dx = memory(op.outputs[0])
            let output = shape(op.outputs[0]), planeIn = output[1] * output[2], planeOut = elements(op.inputs[0]) / output[0]
            return {
                dx.update(repeating: 0, count: n * output[0] * planeIn)
                for plane in 0..<(n * output[0]) {
                    Pooling.scatterPlane(dy + plane * planeOut, argmax: argmax + plane * planeOut, count: planeOut, into: dx + plane * planeIn)
                }
            }
        case .flatten, .flattenGrad:
            let x = memory(op.inputs[0]), y = memory(op.outputs[0]), count = n * elements(op.inputs[0])
            // Planned as a view: the same memory, nothing to do.
            return { if x != y { y.update(from: x, count: count) } }
        case .dropout(let rate):
            let x = memory(op.inputs[0]), y = memory(op.outputs[0]), mask = memory(op.outputs[1])
            let count = n * elements(op.inputs[0])
            let keep = Float(1 / (1 - rate)), threshold = Float(rate)
            return { [unowned self] in
                var generator = SeededGenerator(seed: self.dropoutSeed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
                for i in 0..<count {
                    mask[i] = generator.nextUnit() < threshold ? 0 : keep
                    y[i] = x[i] * mask[i]
                }
            }
        case .dropoutGrad:
            let dy = memory(op.inputs[0]), mask = memory(op.inputs[1]), dx = memory(op.outputs[0])
            let count = n * elements(op.inputs[0])
            return { for i in 0..<count { dx[i] = dy[i] * mask[i] } }
        case .loss(let kind):
            let logits = memory(op.inputs[0]), (teacher, labels) = targets(kind, op), classes = shape(op.inputs[0])[0]
            return { [unowned self] in
                self.loss = Losses.valueAndGradient(kind, logits: logits, teacher: teacher,
                                                    labels: labels, batch: n, classes: classes, gradient: nil)
            }
        case .lossGrad(let kind):
            let logits = memory(op.inputs[0]), (teacher, labels) = targets(kind, op), classes = shape(op.inputs[0])[0]
            let dz = memory(op.outputs[0])
            return {
                _ = Losses.valueAndGradient(kind, logits: logits, teacher: teacher,
                                            labels: labels, batch: n, classes: classes, gradient: dz)
            }
        case .batchnorm, .batchnormInference, .batchnormGrad:
            return bindBatchNorm(op)
        }
    }
}

import MimicKernels

/// Batchnorm and the activation after it as one kernel (the fast recipe's batchnorm-GELU,
/// six times per step): forward, each plane normalised and activated while in cache; backward,
/// the activation's gradient summed for batchnorm as it is made, so the gradient between the
/// two is never a buffer of its own. Channels are split over the threads, as batchnorm's are.
extension KernelContext {
    /// batchnorm -> act (training).
    func bindBatchNormActivation(_ ops: [Op]) -> () -> Void {
        let bn = ops[0], act = ops[1]
        guard let kind = bn.as(Ops.BatchNorm.self), let function = act.as(Ops.Activate.self)?.function else {
            preconditionFailure("internal error: not batchnorm then an activation")
        }
        let x = memory(bn.inputs[0]), scale = memory(bn.inputs[1]), shift = memory(bn.inputs[2])
        let runningMean = memory(bn.inputs[3]), runningVariance = memory(bn.inputs[4])
        let normalized = pointer(bn.outputs[0]), mean = memory(bn.outputs[1]), invStd = memory(bn.outputs[2])
        let out = memory(act.outputs[0])
        let channels = shape(bn.inputs[0])[0], inner = elements(bn.inputs[0]) / channels, n = batch
        return { [unowned self] in
            self.parallel(channels) { range, _ in
                BatchNormKernels.forwardThroughActivation(
                    channels: range, x: x, normalized: normalized, out: out, batch: n, channels: channels, inner: inner, function,
                    scale: scale, shift: shift, epsilon: kind.epsilon, momentum: kind.momentum, mean: mean, invStd: invStd,
                    runningMean: runningMean, runningVariance: runningVariance)
            }
        }
    }

    /// batchnorm_inference -> act.
    func bindBatchNormInferenceActivation(_ ops: [Op]) -> () -> Void {
        let bn = ops[0], act = ops[1]
        guard let kind = bn.as(Ops.BatchNormInference.self), let function = act.as(Ops.Activate.self)?.function else {
            preconditionFailure("internal error: not batchnorm then an activation")
        }
        let x = memory(bn.inputs[0]), scale = memory(bn.inputs[1]), shift = memory(bn.inputs[2])
        let mean = memory(bn.inputs[3]), variance = memory(bn.inputs[4])
        let normalized = pointer(bn.outputs[0]), out = memory(act.outputs[0])
        let channels = shape(bn.inputs[0])[0], inner = elements(bn.inputs[0]) / channels, n = batch
        return { [unowned self] in
            self.parallel(channels) { range, _ in
                for c in range {
                    let (a, b) = BatchNormKernels.inferenceAffine(scale: scale[c], shift: shift[c], mean: mean[c],
                                                                  variance: variance[c], epsilon: kind.epsilon)
                    BatchNormKernels.affineActivation(c, x: x, normalized: normalized, out: out, batch: n, channels: channels,
                                                      inner: inner, a: a, b: b, function)
                }
            }
        }
    }

    /// act_grad -> batchnorm_grad.
    func bindActivationGradBatchNormGrad(_ ops: [Op]) -> () -> Void {
        let actGrad = ops[0], bnGrad = ops[1]
        guard let function = actGrad.as(Ops.ActivateGrad.self)?.function else {
            preconditionFailure("internal error: not an activation's gradient then batchnorm's")
        }
        let dy = memory(actGrad.inputs[0]), v = memory(actGrad.inputs[1])
        let x = memory(bnGrad.inputs[1]), scale = memory(bnGrad.inputs[2])
        let mean = memory(bnGrad.inputs[3]), invStd = memory(bnGrad.inputs[4])
        let dx = memory(bnGrad.outputs[0]), dscale = memory(bnGrad.outputs[1]), dshift = memory(bnGrad.outputs[2])
        let channels = shape(bnGrad.inputs[1])[0], inner = elements(bnGrad.inputs[1]) / channels, n = batch
        return { [unowned self] in
            self.parallel(channels) { range, _ in
                BatchNormKernels.gradientThroughActivation(
                    channels: range, dy: dy, v: v, x: x, dx: dx, batch: n, channels: channels, inner: inner, function,
                    scale: scale, mean: mean, invStd: invStd, dscale: dscale, dshift: dshift)
            }
        }
    }
}

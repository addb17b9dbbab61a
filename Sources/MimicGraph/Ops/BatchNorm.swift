import MimicKernels

/// Batch normalisation: the fast kernels (`BatchNormKernels`) take one channel at a time and
/// the channels are split over the threads; the reference twins are `ReferenceBatchNorm`.
extension Ops {
    /// (x [C,...], scale [C], shift [C], running mean [C], running variance [C])
    ///   -> (y, batch mean [C], batch inverse std [C]); updates the running statistics
    public struct BatchNorm: Differentiable {
        public var epsilon: Double, momentum: Double
        public init(epsilon: Double, momentum: Double) { (self.epsilon, self.momentum) = (epsilon, momentum) }

        public var mnemonic: String { "batchnorm" }
        public var attributes: String { "epsilon=\(epsilon) momentum=\(momentum)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard let c = BatchNormInference.channels(inputs) else { return .fail(BatchNormInference.operands) }
            return .success([inputs[0], [c], [c]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let r = ReferenceBatchNorm.forward(inputs[0], scale: inputs[1], shift: inputs[2], epsilon: epsilon)
            let running = ReferenceBatchNorm.updateRunning(
                mean: inputs[3], variance: inputs[4], batchMean: r.mean, batchInvStd: r.invStd, epsilon: epsilon,
                momentum: momentum, samples: inputs[0].count / inputs[0].shape[1])
            context.updatedState[op.inputs[3]] = running.mean
            context.updatedState[op.inputs[4]] = running.variance
            return [r.y, r.mean, r.invStd]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), scale = context.memory(op.inputs[1]), shift = context.memory(op.inputs[2])
            let runningMean = context.memory(op.inputs[3]), runningVariance = context.memory(op.inputs[4])
            let y = context.memory(op.outputs[0]), mean = context.memory(op.outputs[1]), invStd = context.memory(op.outputs[2])
            let channels = context.shape(op.inputs[0])[0], inner = context.elements(op.inputs[0]) / channels
            let (epsilon, momentum, n) = (epsilon, momentum, context.batch)
            return { [unowned context] in
                context.parallel(channels) { range, _ in
                    for c in range {
                        BatchNormKernels.forwardChannel(
                            c, x: x, y: y, batch: n, channels: channels, inner: inner, scale: scale[c], shift: shift[c],
                            epsilon: epsilon, momentum: momentum, mean: mean, invStd: invStd,
                            runningMean: runningMean, runningVariance: runningVariance)
                    }
                }
            }
        }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            let x = op.inputs[0]
            let dx = d.gradient(of: x)
            let dscale = d.gradient(of: op.inputs[1]), dshift = d.gradient(of: op.inputs[2])
            d.emit(BatchNormGrad(epsilon: epsilon), [dy, x, op.inputs[1], op.outputs[1], op.outputs[2]], [dx, dscale, dshift], for: op)
            if d.wants(x) { d.set(dx, of: x) }
        }
    }

    /// (x [C,...], scale [C], shift [C], running mean [C], running variance [C]) -> y. Forward
    /// but not differentiable: inference graphs are never differentiated.
    public struct BatchNormInference: OpKind {
        public var epsilon: Double
        public init(epsilon: Double) { self.epsilon = epsilon }

        public var mnemonic: String { "batchnorm_inference" }
        public var attributes: String { "epsilon=\(epsilon)" }
        public var pass: Pass { .forward }

        static let operands = "batchnorm takes x [C,...] and scale, shift, running mean and variance [C]"

        static func channels(_ inputs: [[Int]]) -> Int? {
            guard inputs.count == 5, let c = inputs[0].first, inputs[1...].allSatisfy({ $0 == [c] }) else { return nil }
            return c
        }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard Self.channels(inputs) != nil else { return .fail(Self.operands) }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceBatchNorm.inference(inputs[0], scale: inputs[1], shift: inputs[2], mean: inputs[3], variance: inputs[4], epsilon: epsilon)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), scale = context.memory(op.inputs[1]), shift = context.memory(op.inputs[2])
            let mean = context.memory(op.inputs[3]), variance = context.memory(op.inputs[4]), y = context.memory(op.outputs[0])
            let channels = context.shape(op.inputs[0])[0], inner = context.elements(op.inputs[0]) / channels
            let (epsilon, n) = (epsilon, context.batch)
            return { [unowned context] in
                context.parallel(channels) { range, _ in
                    for c in range {
                        BatchNormKernels.inferenceChannel(
                            c, x: x, y: y, batch: n, channels: channels, inner: inner, scale: scale[c], shift: shift[c],
                            mean: mean[c], variance: variance[c], epsilon: epsilon)
                    }
                }
            }
        }
    }

    /// (dy, x, scale, mean, inverse std) -> (dx, dscale, dshift)
    public struct BatchNormGrad: OpKind {
        public var epsilon: Double
        public init(epsilon: Double) { self.epsilon = epsilon }

        public var mnemonic: String { "batchnorm_grad" }
        public var attributes: String { "epsilon=\(epsilon)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 5, inputs[0] == inputs[1] else { return .fail("batchnorm_grad takes dy, x, scale, mean, inverse std") }
            return .success([inputs[0], inputs[2], inputs[2]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let r = ReferenceBatchNorm.grad(inputs[0], x: inputs[1], scale: inputs[2], mean: inputs[3], invStd: inputs[4])
            return [r.dx, r.dscale, r.dshift]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), x = context.memory(op.inputs[1]), scale = context.memory(op.inputs[2])
            let mean = context.memory(op.inputs[3]), invStd = context.memory(op.inputs[4])
            let dx = context.memory(op.outputs[0]), dscale = context.memory(op.outputs[1]), dshift = context.memory(op.outputs[2])
            let channels = context.shape(op.inputs[1])[0], inner = context.elements(op.inputs[1]) / channels, n = context.batch
            return { [unowned context] in
                context.parallel(channels) { range, _ in
                    for c in range {
                        BatchNormKernels.gradChannel(
                            c, dy: dy, x: x, dx: dx, batch: n, channels: channels, inner: inner, scale: scale[c], mean: mean[c],
                            invStd: invStd[c], dscale: dscale, dshift: dshift)
                    }
                }
            }
        }
    }
}

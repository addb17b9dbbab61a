import MimicKernels

/// Batch normalisation runs its reference kernels on tensors, in training and inference:
/// it is not on the study's hot path (the paper's students use none), so clarity wins here.
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
            let (epsilon, momentum) = (epsilon, momentum)
            return { [unowned context] in
                let x = context.tensor(op.inputs[0])
                let r = ReferenceBatchNorm.forward(x, scale: context.tensor(op.inputs[1]), shift: context.tensor(op.inputs[2]), epsilon: epsilon)
                context.store(r.y, op.outputs[0])
                context.store(r.mean, op.outputs[1])
                context.store(r.invStd, op.outputs[2])
                let running = ReferenceBatchNorm.updateRunning(
                    mean: context.tensor(op.inputs[3]), variance: context.tensor(op.inputs[4]), batchMean: r.mean,
                    batchInvStd: r.invStd, epsilon: epsilon, momentum: momentum, samples: x.count / x.shape[1])
                context.store(running.mean, op.inputs[3])
                context.store(running.variance, op.inputs[4])
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
            let epsilon = epsilon
            return { [unowned context] in
                let y = ReferenceBatchNorm.inference(
                    context.tensor(op.inputs[0]), scale: context.tensor(op.inputs[1]), shift: context.tensor(op.inputs[2]),
                    mean: context.tensor(op.inputs[3]), variance: context.tensor(op.inputs[4]), epsilon: epsilon)
                context.store(y, op.outputs[0])
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
            { [unowned context] in
                let r = ReferenceBatchNorm.grad(
                    context.tensor(op.inputs[0]), x: context.tensor(op.inputs[1]), scale: context.tensor(op.inputs[2]),
                    mean: context.tensor(op.inputs[3]), invStd: context.tensor(op.inputs[4]))
                context.store(r.dx, op.outputs[0])
                context.store(r.dscale, op.outputs[1])
                context.store(r.dshift, op.outputs[2])
            }
        }
    }
}

import MimicKernels

extension Ops {
    /// (x [C,...], b [C]) -> y, the bias broadcast over the spatial positions
    public struct BiasAdd: Differentiable {
        public init() {}
        public var mnemonic: String { "bias_add" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[1].count == 1, inputs[0].first == inputs[1][0] else { return .fail("bias must have one entry per channel") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceBias.forward(inputs[0], inputs[1])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), bias = context.memory(op.inputs[1]), y = context.memory(op.outputs[0])
            let channels = context.shape(op.inputs[1])[0], perImage = context.elements(op.inputs[0]), n = context.batch
            return {
                if x != y { y.update(from: x, count: n * perImage) }
                for b in 0..<n {
                    Elementwise.biasActivation(y + b * perImage, bias: bias, channels: channels, inner: perImage / channels, .none)
                }
            }
        }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            let db = d.gradient(of: op.inputs[1])
            d.emit(BiasGrad(), [dy], [db], for: op)
            // The gradient passes through unchanged: dx is dy.
            if d.wants(op.inputs[0]) { d.set(dy, of: op.inputs[0]) }
        }
    }

    /// dy -> db, summed over the batch and spatial positions
    public struct BiasGrad: OpKind {
        public init() {}
        public var mnemonic: String { "bias_grad" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1, let channels = inputs[0].first else { return .fail("bias_grad takes dy") }
            return .success([[channels]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceBias.grad(inputs[0])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), db = context.memory(op.outputs[0])
            let channels = context.shape(op.outputs[0])[0], inner = context.elements(op.inputs[0]) / channels, n = context.batch
            return {
                db.update(repeating: 0, count: channels)
                Elementwise.accumulateChannelSums(dy, batch: n, channels: channels, inner: inner, into: db)
            }
        }
    }
}

import MimicKernels

extension Ops {
    /// x -> factor * x, element-wise. Its gradient is the same multiplication of dy.
    public struct Scale: Differentiable {
        public var factor: Double
        public init(factor: Double) { self.factor = factor }

        public var mnemonic: String { "scale" }
        public var attributes: String { "factor=\(factor)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1 else { return .fail("scale takes one input") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [Self.reference(inputs[0], factor)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { Self.bind(op, context, factor) }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            d.passBack(op, ScaleGrad(factor: factor), [dy])
        }

        /// The naive twin, in double precision.
        static func reference(_ x: Tensor, _ factor: Double) -> Tensor {
            Tensor(shape: x.shape, data: x.data.map { Float(Double($0) * factor) })
        }

        /// One pass over the whole batch, which the compiler vectorises.
        static func bind(_ op: Op, _ context: KernelContext, _ factor: Double) -> () -> Void {
            let x = context.memory(op.inputs[0]), y = context.memory(op.outputs[0])
            let count = context.batch * context.elements(op.inputs[0]), f = Float(factor)
            return { for i in 0..<count { y[i] = f * x[i] } }
        }
    }

    /// dy -> dx = factor * dy
    public struct ScaleGrad: OpKind {
        public var factor: Double
        public init(factor: Double) { self.factor = factor }

        public var mnemonic: String { "scale_grad" }
        public var attributes: String { "factor=\(factor)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1 else { return .fail("scale_grad takes dy") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [Scale.reference(inputs[0], factor)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { Scale.bind(op, context, factor) }
    }
}

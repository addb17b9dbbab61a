import MimicKernels

extension Ops {
    /// x [C,H,W] -> y [C*H*W]. Planned as a view: the output shares the input's memory.
    public struct Flatten: Differentiable {
        public init() {}
        public var mnemonic: String { "flatten" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1 else { return .fail("flatten takes one input") }
            return .success([[inputs[0].reduce(1, *)]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }
        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] { [inputs[0]] }
        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { Flatten.bindView(op, context) }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            d.passBack(op, FlattenGrad(), [dy])
        }

        /// A view is the same memory: nothing to do (the copy is for plans that give the two
        /// values buffers of their own).
        static func bindView(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), y = context.memory(op.outputs[0])
            let count = context.batch * context.elements(op.inputs[0])
            return { if x != y { y.update(from: x, count: count) } }
        }
    }

    /// dy [C*H*W] -> dx [C,H,W], a view like the forward.
    public struct FlattenGrad: OpKind {
        public init() {}
        public var mnemonic: String { "flatten_grad" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1, inputs[0].count == 1 else { return .fail("flatten_grad takes a flat dy") }
            return .success([[-1]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }
        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] { [inputs[0]] }
        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { Flatten.bindView(op, context) }
    }
}

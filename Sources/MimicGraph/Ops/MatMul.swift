import MimicKernels

extension Ops {
    /// (x [in], W [out,in]) -> y [out]
    public struct MatMul: Differentiable {
        public init() {}
        public var mnemonic: String { "matmul" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0].count == 1, inputs[1].count == 2, inputs[1][1] == inputs[0][0] else {
                return .fail("matmul takes x [in] and W [out,in]")
            }
            return .success([[inputs[1][0]]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 2 * batch * g[op.inputs[1]].elementCount }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceDense.forward(context.flat(inputs[0]), inputs[1])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let product = DenseProduct(op, context), y = context.memory(op.outputs[0])
            return { [unowned context] in product.run(context, bias: nil, activation: .none, into: y) }
        }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            let (x, w) = (op.inputs[0], op.inputs[1])
            // A frozen weight (model state) has no gradient.
            if d.wants(w) {
                let dw = d.gradient(of: w)
                d.emit(MatMulGradWeight(), [dy, x], [dw], for: op)
            }
            d.passBack(op, MatMulGradInput(), [dy, w])
        }
    }

    /// (dy [out], x [in]) -> dW [out,in], summed over the batch
    public struct MatMulGradWeight: OpKind {
        public init() {}
        public var mnemonic: String { "matmul_grad_weight" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0].count == 1, inputs[1].count == 1 else { return .fail("matmul_grad_weight takes dy [out] and x [in]") }
            return .success([[inputs[0][0], inputs[1][0]]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 2 * batch * g[op.outputs[0]].elementCount }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceDense.gradWeight(inputs[0], context.flat(inputs[1]))]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), x = context.memory(op.inputs[1]), dw = context.memory(op.outputs[0])
            let (output, input) = (context.shape(op.outputs[0])[0], context.shape(op.outputs[0])[1])
            return { [unowned context] in
                context.gemm(.transposed, .none, m: output, n: input, k: context.batch, a: dy, lda: output, b: x, ldb: input,
                             c: dw, ldc: input)
            }
        }
    }

    /// (dy [out], W [out,in]) -> dx [in]
    public struct MatMulGradInput: OpKind {
        public init() {}
        public var mnemonic: String { "matmul_grad_input" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[1].count == 2, inputs[0] == [inputs[1][0]] else { return .fail("matmul_grad_input takes dy [out] and W [out,in]") }
            return .success([[inputs[1][1]]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 2 * batch * g[op.inputs[1]].elementCount }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceDense.gradInput(inputs[0], inputs[1])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), weight = context.memory(op.inputs[1]), dx = context.memory(op.outputs[0])
            let (output, input) = (context.shape(op.inputs[1])[0], context.shape(op.inputs[1])[1])
            return { [unowned context] in
                context.gemm(.none, .none, m: context.batch, n: input, k: output, a: dy, lda: output, b: weight, ldb: input,
                             c: dx, ldc: input)
            }
        }
    }
}

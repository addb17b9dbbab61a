import MimicBasics
import MimicKernels

extension Ops {
    /// x -> (y, mask); in training graphs only (inference leaves dropout out).
    public struct Dropout: Differentiable {
        public var rate: Double
        public init(rate: Double) { self.rate = rate }

        public var mnemonic: String { "dropout" }
        public var attributes: String { "rate=\(rate)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1 else { return .fail("dropout takes one input") }
            return .success([inputs[0], inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let mask = context.masks[op.outputs[1]]
                ?? Tensor(shape: inputs[0].shape, data: ReferenceDropout.mask(count: inputs[0].count, rate: rate, generator: &context.generator))
            return [ReferenceDropout.forward(inputs[0], mask: mask), mask]
        }

        /// Masks are drawn from the context's seed mixed with the op's index, so they differ
        /// between steps and ops and a resumed run draws the ones it would have.
        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), y = context.memory(op.outputs[0]), mask = context.memory(op.outputs[1])
            let count = context.batch * context.elements(op.inputs[0])
            let keep = Float(1 / (1 - rate)), threshold = Float(rate)
            let index = UInt64(context.graph.ops.firstIndex(of: op)!)
            return { [unowned context] in
                var generator = SeededGenerator(seed: context.dropoutSeed &* 0x9E37_79B9_7F4A_7C15 &+ index)
                for i in 0..<count {
                    mask[i] = generator.nextUnit() < threshold ? 0 : keep
                    y[i] = x[i] * mask[i]
                }
            }
        }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            d.passBack(op, DropoutGrad(rate: rate), [dy, op.outputs[1]])
        }
    }

    /// (dy, mask) -> dx
    public struct DropoutGrad: OpKind {
        public var rate: Double
        public init(rate: Double) { self.rate = rate }

        public var mnemonic: String { "dropout_grad" }
        public var attributes: String { "rate=\(rate)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0] == inputs[1] else { return .fail("dropout_grad takes dy and mask of one shape") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceDropout.forward(inputs[0], mask: inputs[1])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), mask = context.memory(op.inputs[1]), dx = context.memory(op.outputs[0])
            let count = context.batch * context.elements(op.inputs[0])
            return { for i in 0..<count { dx[i] = dy[i] * mask[i] } }
        }
    }
}

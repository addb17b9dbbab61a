import MimicKernels
import MimicVocabulary

extension Ops {
    /// x -> y, element-wise
    public struct Activate: Differentiable {
        public var function: Activation
        public init(_ function: Activation) { self.function = function }

        public var mnemonic: String { function.rawValue }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1 else { return .fail("activation takes one input") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceActivation.forward(function, inputs[0])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), y = context.memory(op.outputs[0])
            let count = context.batch * context.elements(op.inputs[0]), a = function
            // Element-wise, so the split over the threads changes no bit of the result.
            let blocks = Activate.blocks(count)
            return { [unowned context] in
                context.parallel(blocks) { range, _ in
                    let elements = Activate.elements(range, count)
                    Elementwise.activate(a, x + elements.lowerBound, y + elements.lowerBound, count: elements.count)
                }
            }
        }

        /// Work is split in blocks of 4096 elements (below that a second thread costs more
        /// than it saves); `elements` is a range of blocks' elements.
        static func blocks(_ count: Int) -> Int { (count + 4095) / 4096 }
        static func elements(_ blocks: Range<Int>, _ count: Int) -> Range<Int> {
            (blocks.lowerBound * 4096)..<min(count, blocks.upperBound * 4096)
        }

        /// relu, tanh and sigmoid have derivatives that follow from the output; gelu's needs
        /// the input.
        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            d.passBack(op, ActivateGrad(function), [dy, function == .gelu ? op.inputs[0] : op.outputs[0]])
        }
    }

    /// (dy, y) -> dx for relu, tanh and sigmoid; (dy, x) -> dx for gelu.
    public struct ActivateGrad: OpKind {
        public var function: Activation
        public init(_ function: Activation) { self.function = function }

        public var mnemonic: String { "\(function.rawValue)_grad" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0] == inputs[1] else { return .fail("activation_grad takes dy and one of x or y, of one shape") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceActivation.grad(function, inputs[0], from: inputs[1])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), v = context.memory(op.inputs[1]), dx = context.memory(op.outputs[0])
            let count = context.batch * context.elements(op.inputs[0]), a = function
            let blocks = Activate.blocks(count)
            return { [unowned context] in
                context.parallel(blocks) { range, _ in
                    let elements = Activate.elements(range, count)
                    Elementwise.activationGrad(dy + elements.lowerBound, v + elements.lowerBound, dx + elements.lowerBound,
                                               count: elements.count, a)
                }
            }
        }
    }
}

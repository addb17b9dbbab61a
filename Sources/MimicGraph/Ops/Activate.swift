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
            return { for i in 0..<count { y[i] = Elementwise.activate(a, x[i]) } }
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
            return { Elementwise.activationGrad(dy, v, dx, count: count, a) }
        }
    }
}

import MimicKernels
import MimicVocabulary

extension Ops {
    /// (logits [K], targets) -> loss [], the batch mean. Targets by loss kind: mimic takes the
    /// teacher's logits [K], cross-entropy the label [], kd both (logits, then label).
    public struct Loss: Differentiable {
        public var loss: LossKind
        public init(_ loss: LossKind) { self.loss = loss }

        public var mnemonic: String { "loss" }
        public var attributes: String { "\(loss)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            Self.check(loss, inputs).map { _ in [[]] }
        }

        /// Teacher logits shaped as the logits, labels as scalars, where the loss takes them.
        static func check(_ loss: LossKind, _ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            let fits = inputs.count == loss.inputCount && loss.teacherInput.map { inputs[$0] == inputs[0] } ?? true
                && loss.labelInput.map { inputs[$0] == [] } ?? true
            guard fits, inputs[0].count == 1 else { return .fail("\(loss) loss does not take these targets") }
            return .success([inputs[0]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let (teacher, labels) = Self.targets(loss, inputs)
            return [Tensor(shape: [], data: [Float(ReferenceLoss.value(loss, logits: inputs[0], teacher: teacher, labels: labels))])]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let logits = context.memory(op.inputs[0]), (teacher, labels) = context.targets(loss, op)
            let classes = context.shape(op.inputs[0])[0], n = context.batch, loss = loss
            return { [unowned context] in
                context.loss = Losses.valueAndGradient(loss, logits: logits, teacher: teacher, labels: labels, batch: n,
                                                       classes: classes, gradient: nil)
            }
        }

        /// The chain starts here: d loss / d logits from the same inputs.
        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            let logits = op.inputs[0]
            let dLogits = d.gradient(of: logits)
            d.emit(LossGrad(loss), op.inputs, [dLogits], for: op)
            d.set(dLogits, of: logits)
        }

        /// The teacher logits and the labels among a loss op's inputs.
        static func targets(_ loss: LossKind, _ inputs: [Tensor]) -> (Tensor?, Tensor?) {
            (loss.teacherInput.map { inputs[$0] }, loss.labelInput.map { inputs[$0] })
        }
    }

    /// (logits, targets) -> d logits
    public struct LossGrad: OpKind {
        public var loss: LossKind
        public init(_ loss: LossKind) { self.loss = loss }

        public var mnemonic: String { "loss_grad" }
        public var attributes: String { "\(loss)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> { Loss.check(loss, inputs) }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let (teacher, labels) = Loss.targets(loss, inputs)
            return [ReferenceLoss.grad(loss, logits: inputs[0], teacher: teacher, labels: labels)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let logits = context.memory(op.inputs[0]), (teacher, labels) = context.targets(loss, op)
            let classes = context.shape(op.inputs[0])[0], n = context.batch, loss = loss
            let dz = context.memory(op.outputs[0])
            return {
                _ = Losses.valueAndGradient(loss, logits: logits, teacher: teacher, labels: labels, batch: n, classes: classes, gradient: dz)
            }
        }
    }
}

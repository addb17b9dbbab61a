import MimicKernels

extension Ops {
    /// (x [C,H,W], W [F,C,k,k]) -> y [F,H',W']
    public struct Conv2D: Differentiable {
        public var kernel: Int, stride: Int, padding: Int

        public init(kernel: Int, stride: Int, padding: Int) {
            (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
        }

        public var mnemonic: String { "conv2d" }
        public var attributes: String { "kernel=\(kernel) stride=\(stride) padding=\(padding)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0].count == 3, inputs[1].count == 4 else { return .fail("conv2d takes x [C,H,W] and W [F,C,k,k]") }
            let (x, w, k, p, s) = (inputs[0], inputs[1], kernel, padding, stride)
            guard w[1] == x[0], w[2] == k, w[3] == k else { return .fail("weight \(w) does not match input \(x) and kernel \(k)") }
            guard x[1] + 2 * p >= k, x[2] + 2 * p >= k else { return .fail("kernel \(k) larger than padded input") }
            return .success([[w[0], (x[1] + 2 * p - k) / s + 1, (x[2] + 2 * p - k) / s + 1]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int {
            let x = g[op.inputs[0]].shape, y = g[op.outputs[0]].shape
            return 2 * batch * y[0] * y[1] * y[2] * x[0] * kernel * kernel
        }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceConv2D.forward(inputs[0], inputs[1], stride: stride, padding: padding)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { context.bindConvolutionForward([op]) }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            let (x, w) = (op.inputs[0], op.inputs[1])
            // A frozen weight (model state) has no gradient.
            if d.wants(w) {
                let dw = d.gradient(of: w)
                d.emit(Conv2DGradWeight(kernel: kernel, stride: stride, padding: padding), [dy, x], [dw], for: op)
            }
            d.passBack(op, Conv2DGradInput(kernel: kernel, stride: stride, padding: padding), [dy, w])
        }
    }

    /// (dy [F,H',W'], x [C,H,W]) -> dW [F,C,k,k], summed over the batch
    public struct Conv2DGradWeight: OpKind {
        public var kernel: Int, stride: Int, padding: Int

        public init(kernel: Int, stride: Int, padding: Int) {
            (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
        }

        public var mnemonic: String { "conv2d_grad_weight" }
        public var attributes: String { "kernel=\(kernel) stride=\(stride) padding=\(padding)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0].count == 3, inputs[1].count == 3 else { return .fail("conv2d_grad_weight takes dy and x") }
            return .success([[inputs[0][0], inputs[1][0], kernel, kernel]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int {
            let dy = g[op.inputs[0]].shape, x = g[op.inputs[1]].shape
            return 2 * batch * dy[0] * dy[1] * dy[2] * x[0] * kernel * kernel
        }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceConv2D.gradWeight(inputs[0], inputs[1], kernel: kernel, stride: stride, padding: padding)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { context.bindConvolutionGradWeight(op) }
    }

    /// (dy [F,H',W'], W [F,C,k,k]) -> dx [C,H,W]
    public struct Conv2DGradInput: OpKind {
        public var kernel: Int, stride: Int, padding: Int

        public init(kernel: Int, stride: Int, padding: Int) {
            (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
        }

        public var mnemonic: String { "conv2d_grad_input" }
        public var attributes: String { "kernel=\(kernel) stride=\(stride) padding=\(padding)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0].count == 3, inputs[1].count == 4, inputs[1][0] == inputs[0][0] else {
                return .fail("conv2d_grad_input takes dy [F,H',W'] and W [F,C,k,k]")
            }
            // The input size is not recoverable from dy alone when the stride drops rows, so the
            // gradient value carries it; here only the channel count is checked.
            return .success([[inputs[1][1], -1, -1]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int {
            let dy = g[op.inputs[0]].shape, dx = g[op.outputs[0]].shape
            return 2 * batch * dy[0] * dy[1] * dy[2] * dx[0] * kernel * kernel
        }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceConv2D.gradInput(inputs[0], inputs[1], inputShape: context.shape(op.outputs[0]), stride: stride, padding: padding)]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void { context.bindConvolutionGradInput(op) }
    }
}

import MimicKernels

extension Ops {
    /// x [C,H,W] -> (y [C,H',W'], argmax [C,H',W'])
    public struct MaxPool: Differentiable {
        public var size: Int, stride: Int
        public init(size: Int, stride: Int) { (self.size, self.stride) = (size, stride) }

        public var mnemonic: String { "maxpool" }
        public var attributes: String { "size=\(size) stride=\(stride)" }
        public var pass: Pass { .forward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 1, inputs[0].count == 3, inputs[0][1] >= size, inputs[0][2] >= size else {
                return .fail("maxpool takes x [C,H,W] at least as large as its window")
            }
            let x = inputs[0]
            let out = [x[0], (x[1] - size) / stride + 1, (x[2] - size) / stride + 1]
            return .success([out, out])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            let r = ReferenceMaxPool.forward(inputs[0], size: size, stride: stride)
            return [r.y, r.argmax]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let x = context.memory(op.inputs[0]), y = context.memory(op.outputs[0]), argmax = context.pointer(op.outputs[1])
            let input = context.shape(op.inputs[0]), planeOut = context.elements(op.outputs[0]) / input[0]
            let (size, stride, n) = (size, stride, context.batch)
            return { [unowned context] in
                context.parallel(n * input[0]) { range, _ in
                    for plane in range {
                        Pooling.maxpoolPlane(x + plane * input[1] * input[2], height: input[1], width: input[2], size: size,
                                             stride: stride, y + plane * planeOut, argmax.map { $0 + plane * planeOut })
                    }
                }
            }
        }

        public func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation) {
            d.passBack(op, MaxPoolGrad(size: size, stride: stride), [dy, op.outputs[1]])
        }
    }

    /// (dy, argmax) -> dx [C,H,W]
    public struct MaxPoolGrad: OpKind {
        public var size: Int, stride: Int
        public init(size: Int, stride: Int) { (self.size, self.stride) = (size, stride) }

        public var mnemonic: String { "maxpool_grad" }
        public var attributes: String { "size=\(size) stride=\(stride)" }
        public var pass: Pass { .backward }

        public func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
            guard inputs.count == 2, inputs[0] == inputs[1] else { return .fail("maxpool_grad takes dy and argmax of one shape") }
            return .success([[inputs[0][0], -1, -1]])
        }

        public func flops(_ op: Op, in g: Graph, batch: Int) -> Int { 0 }

        public func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor] {
            [ReferenceMaxPool.grad(inputs[0], argmax: inputs[1], inputShape: context.shape(op.outputs[0]))]
        }

        public func bind(_ op: Op, _ context: KernelContext) -> () -> Void {
            let dy = context.memory(op.inputs[0]), argmax = context.memory(op.inputs[1]), dx = context.memory(op.outputs[0])
            let output = context.shape(op.outputs[0]), planeIn = output[1] * output[2]
            let planeOut = context.elements(op.inputs[0]) / output[0], n = context.batch
            // Planes are independent: split over the threads, each zeroed just before its scatter.
            return { [unowned context] in
                context.parallel(n * output[0]) { range, _ in
                    for plane in range {
                        (dx + plane * planeIn).update(repeating: 0, count: planeIn)
                        Pooling.scatterPlane(dy + plane * planeOut, argmax: argmax + plane * planeOut, count: planeOut,
                                             into: dx + plane * planeIn)
                    }
                }
            }
        }
    }
}

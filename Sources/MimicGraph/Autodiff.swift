import MimicBasics

/// Reverse-mode differentiation of a training graph: appends, in reverse order of the
/// forward ops, the backward ops that compute the gradient of the loss with respect to
/// every parameter. Training is then one compiled graph, not an interpreter walking layers.
/// Gradients flow only where they are needed: nothing is computed for the input images.
public enum Autodiff {
    public static func backward(_ forward: Graph) -> Graph {
        var g = forward
        guard let lossOp = forward.ops.last, case .loss(let loss) = lossOp.kind else {
            preconditionFailure("internal error: a training graph ends in its loss")
        }
        let needsGradient = valuesDependingOnParameters(forward)
        var grads: [ValueID: ValueID] = [:]

        func gradient(of v: ValueID) -> ValueID {
            g.addValue("d.\(g[v].name)", shape: g[v].shape, role: .gradient(of: v), origin: g[v].origin)
        }

        let logits = lossOp.inputs[0]
        let dLogits = gradient(of: logits)
        g.append(Op(.lossGrad(loss), inputs: lossOp.inputs, outputs: [dLogits], layer: "loss", origin: lossOp.origin))
        grads[logits] = dLogits

        for op in forward.ops.dropLast().reversed() {
            guard let dy = grads[op.outputs[0]] else { continue }
            let x = op.inputs[0]
            let wantInput = needsGradient.contains(x)
            func emit(_ kind: OpKind, _ inputs: [ValueID], _ outputs: [ValueID]) {
                g.append(Op(kind, inputs: inputs, outputs: outputs, layer: op.layer, origin: op.origin))
            }
            switch op.kind {
            case .conv2d(let k, let s, let p):
                let w = op.inputs[1]
                let dw = gradient(of: w)
                emit(.conv2dGradWeight(kernel: k, stride: s, padding: p), [dy, x], [dw])
                if wantInput {
                    let dx = gradient(of: x)
                    emit(.conv2dGradInput(kernel: k, stride: s, padding: p), [dy, w], [dx])
                    grads[x] = dx
                }
            case .matmul:
                let w = op.inputs[1]
                let dw = gradient(of: w)
                emit(.matmulGradWeight, [dy, x], [dw])
                if wantInput {
                    let dx = gradient(of: x)
                    emit(.matmulGradInput, [dy, w], [dx])
                    grads[x] = dx
                }
            case .biasAdd:
                let db = gradient(of: op.inputs[1])
                emit(.biasGrad, [dy], [db])
                // The gradient passes through unchanged: dx is dy.
                if wantInput { grads[x] = dy }
            case .activation(let a):
                guard wantInput else { continue }
                let dx = gradient(of: x)
                emit(.activationGrad(a), [dy, a == .gelu ? x : op.outputs[0]], [dx])
                grads[x] = dx
            case .maxpool(let size, let stride):
                guard wantInput else { continue }
                let dx = gradient(of: x)
                emit(.maxpoolGrad(size: size, stride: stride), [dy, op.outputs[1]], [dx])
                grads[x] = dx
            case .flatten:
                guard wantInput else { continue }
                let dx = gradient(of: x)
                emit(.flattenGrad, [dy], [dx])
                grads[x] = dx
            case .dropout(let rate):
                guard wantInput else { continue }
                let dx = gradient(of: x)
                emit(.dropoutGrad(rate: rate), [dy, op.outputs[1]], [dx])
                grads[x] = dx
            case .batchnorm(let epsilon, _):
                let dx = gradient(of: x)
                let dscale = gradient(of: op.inputs[1]), dshift = gradient(of: op.inputs[2])
                emit(.batchnormGrad(epsilon: epsilon), [dy, x, op.inputs[1], op.outputs[1], op.outputs[2]], [dx, dscale, dshift])
                if wantInput { grads[x] = dx }
            default:
                preconditionFailure("internal error: \(op.kind.mnemonic) in a forward graph")
            }
        }
        return g
    }

    /// Values computed (directly or not) from a parameter: only they need gradients.
    static func valuesDependingOnParameters(_ g: Graph) -> Set<ValueID> {
        var result = Set(g.parameters)
        for op in g.ops where op.inputs.contains(where: result.contains) {
            result.formUnion(op.outputs)
        }
        return result
    }
}

/// The shape rule of every op, written once: the graph builder uses it to type new values
/// and the verifier to re-check every op after each pass. Shapes are per example.
public enum ShapeRules {
    /// Output shapes for the given input shapes, or nil with the reason they do not fit.
    public static func outputs(_ kind: OpKind, _ inputs: [[Int]]) -> Result<[[Int]], ShapeError> {
        func fail(_ why: String) -> Result<[[Int]], ShapeError> { .failure(ShapeError(reason: why)) }
        func arity(_ n: Int) -> Bool { inputs.count == n }
        switch kind {
        case .conv2d(let k, let s, let p):
            guard arity(2), inputs[0].count == 3, inputs[1].count == 4 else { return fail("conv2d takes x [C,H,W] and W [F,C,k,k]") }
            let (x, w) = (inputs[0], inputs[1])
            guard w[1] == x[0], w[2] == k, w[3] == k else { return fail("weight \(w) does not match input \(x) and kernel \(k)") }
            let h = (x[1] + 2 * p - k) / s + 1, wd = (x[2] + 2 * p - k) / s + 1
            guard x[1] + 2 * p >= k, x[2] + 2 * p >= k else { return fail("kernel \(k) larger than padded input") }
            return .success([[w[0], h, wd]])
        case .matmul:
            guard arity(2), inputs[0].count == 1, inputs[1].count == 2, inputs[1][1] == inputs[0][0] else {
                return fail("matmul takes x [in] and W [out,in]")
            }
            return .success([[inputs[1][0]]])
        case .biasAdd:
            guard arity(2), inputs[1].count == 1, inputs[0].first == inputs[1][0] else { return fail("bias must have one entry per channel") }
            return .success([inputs[0]])
        case .activation:
            guard arity(1) else { return fail("activation takes one input") }
            return .success([inputs[0]])
        case .maxpool(let size, let stride):
            guard arity(1), inputs[0].count == 3, inputs[0][1] >= size, inputs[0][2] >= size else {
                return fail("maxpool takes x [C,H,W] at least as large as its window")
            }
            let x = inputs[0]
            let out = [x[0], (x[1] - size) / stride + 1, (x[2] - size) / stride + 1]
            return .success([out, out])
        case .flatten:
            guard arity(1) else { return fail("flatten takes one input") }
            return .success([[inputs[0].reduce(1, *)]])
        case .dropout:
            guard arity(1) else { return fail("dropout takes one input") }
            return .success([inputs[0], inputs[0]])
        case .batchnorm, .batchnormInference:
            guard arity(5), let c = inputs[0].first, inputs[1...].allSatisfy({ $0 == [c] }) else {
                return fail("batchnorm takes x [C,...] and scale, shift, running mean and variance [C]")
            }
            if case .batchnormInference = kind { return .success([inputs[0]]) }
            return .success([inputs[0], inputs[1], inputs[1]])
        case .loss(let loss), .lossGrad(let loss):
            // mimic: (logits, teacher logits); cross-entropy: (logits, label);
            // kd: (logits, teacher logits, label).
            let fits: Bool
            switch loss {
            case .mimic: fits = arity(2) && inputs[1] == inputs[0]
            case .crossEntropy: fits = arity(2) && inputs[1] == []
            case .kd: fits = arity(3) && inputs[1] == inputs[0] && inputs[2] == []
            }
            guard fits, inputs[0].count == 1 else { return fail("\(loss) loss does not take these targets") }
            if case .loss = kind { return .success([[]]) }
            return .success([inputs[0]])
        case .activationGrad:
            guard arity(2), inputs[0] == inputs[1] else { return fail("activation_grad takes dy and one of x or y, of one shape") }
            return .success([inputs[0]])
        case .biasGrad:
            guard arity(1), let channels = inputs[0].first else { return fail("bias_grad takes dy") }
            return .success([[channels]])
        case .matmulGradInput:
            guard arity(2), inputs[1].count == 2, inputs[0] == [inputs[1][0]] else { return fail("matmul_grad_input takes dy [out] and W [out,in]") }
            return .success([[inputs[1][1]]])
        case .matmulGradWeight:
            guard arity(2), inputs[0].count == 1, inputs[1].count == 1 else { return fail("matmul_grad_weight takes dy [out] and x [in]") }
            return .success([[inputs[0][0], inputs[1][0]]])
        case .conv2dGradInput(let k, let s, let p):
            guard arity(2), inputs[0].count == 3, inputs[1].count == 4, inputs[1][0] == inputs[0][0] else {
                return fail("conv2d_grad_input takes dy [F,H',W'] and W [F,C,k,k]")
            }
            // The input size is not recoverable from dy alone when the stride drops rows, so the
            // builder records it in the gradient value; here only the channel count is checked.
            _ = (k, s, p)
            return .success([[inputs[1][1], -1, -1]])
        case .conv2dGradWeight(let k, _, _):
            guard arity(2), inputs[0].count == 3, inputs[1].count == 3 else { return fail("conv2d_grad_weight takes dy and x") }
            return .success([[inputs[0][0], inputs[1][0], k, k]])
        case .maxpoolGrad:
            guard arity(2), inputs[0] == inputs[1] else { return fail("maxpool_grad takes dy and argmax of one shape") }
            return .success([[inputs[0][0], -1, -1]])
        case .flattenGrad:
            guard arity(1), inputs[0].count == 1 else { return fail("flatten_grad takes a flat dy") }
            return .success([[-1]])
        case .dropoutGrad:
            guard arity(2), inputs[0] == inputs[1] else { return fail("dropout_grad takes dy and mask of one shape") }
            return .success([inputs[0]])
        case .batchnormGrad:
            guard arity(5), inputs[0] == inputs[1] else { return fail("batchnorm_grad takes dy, x, scale, mean, inverse std") }
            return .success([inputs[0], inputs[2], inputs[2]])
        }
    }

    /// Whether a declared shape satisfies a rule's shape, where -1 means "taken from the
    /// forward value" (backward ops restore shapes their inputs cannot determine).
    public static func matches(_ declared: [Int], _ rule: [Int]) -> Bool {
        if rule == [-1] { return true }
        guard declared.count == rule.count else { return false }
        return zip(declared, rule).allSatisfy { $1 == -1 || $0 == $1 }
    }
}

public struct ShapeError: Error, Sendable, Equatable {
    public var reason: String
}

import MimicBasics
import MimicVocabulary

/// One primitive operation. Shapes below are per example; `W` is a weight parameter.
public enum OpKind: Sendable, Equatable {
    // Forward.
    /// (x [C,H,W], W [F,C,k,k]) -> y [F,H',W']
    case conv2d(kernel: Int, stride: Int, padding: Int)
    /// (x [in], W [out,in]) -> y [out]
    case matmul
    /// (x [C,...], b [C]) -> y, the bias broadcast over the spatial positions
    case biasAdd
    /// x -> y
    case activation(Activation)
    /// x [C,H,W] -> (y [C,H',W'], argmax [C,H',W'])
    case maxpool(size: Int, stride: Int)
    /// x [C,H,W] -> y [C*H*W]
    case flatten
    /// x -> (y, mask)
    case dropout(rate: Double)
    /// (x [C,...], scale [C], shift [C], running mean [C], running variance [C])
    ///   -> (y, batch mean [C], batch inverse std [C]); updates the running statistics
    case batchnorm(epsilon: Double, momentum: Double)
    /// (x [C,...], scale [C], shift [C], running mean [C], running variance [C]) -> y
    case batchnormInference(epsilon: Double)
    /// (logits [K], target [K]) -> loss []
    case loss(LossKind)

    // Backward: each takes the gradient of its forward op's output first.
    /// (logits, target) -> d logits
    case lossGrad(LossKind)
    /// (dy, y) -> dx for relu, tanh and sigmoid, whose derivatives follow from the output;
    /// (dy, x) -> dx for gelu, whose derivative needs the input.
    case activationGrad(Activation)
    /// dy -> db, summed over the batch and spatial positions
    case biasGrad
    /// (dy [out], W [out,in]) -> dx [in]
    case matmulGradInput
    /// (dy [out], x [in]) -> dW [out,in], summed over the batch
    case matmulGradWeight
    /// (dy, W) -> dx
    case conv2dGradInput(kernel: Int, stride: Int, padding: Int)
    /// (dy, x) -> dW, summed over the batch
    case conv2dGradWeight(kernel: Int, stride: Int, padding: Int)
    /// (dy, argmax) -> dx [C,H,W]
    case maxpoolGrad(size: Int, stride: Int)
    /// dy [C*H*W] -> dx [C,H,W]
    case flattenGrad
    /// (dy, mask) -> dx
    case dropoutGrad(rate: Double)
    /// (dy, x, scale, mean, inverse std) -> (dx, dscale, dshift)
    case batchnormGrad(epsilon: Double)

    /// The mnemonic used by the printer and by fusion rules.
    public var mnemonic: String {
        switch self {
        case .conv2d: "conv2d"
        case .matmul: "matmul"
        case .biasAdd: "bias_add"
        case .activation(let a): a.rawValue
        case .maxpool: "maxpool"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .batchnorm: "batchnorm"
        case .batchnormInference: "batchnorm_inference"
        case .loss: "loss"
        case .lossGrad: "loss_grad"
        case .activationGrad(let a): "\(a.rawValue)_grad"
        case .biasGrad: "bias_grad"
        case .matmulGradInput: "matmul_grad_input"
        case .matmulGradWeight: "matmul_grad_weight"
        case .conv2dGradInput: "conv2d_grad_input"
        case .conv2dGradWeight: "conv2d_grad_weight"
        case .maxpoolGrad: "maxpool_grad"
        case .flattenGrad: "flatten_grad"
        case .dropoutGrad: "dropout_grad"
        case .batchnormGrad: "batchnorm_grad"
        }
    }

    /// Attributes as printed after the operands.
    public var attributes: String {
        switch self {
        case .conv2d(let k, let s, let p), .conv2dGradInput(let k, let s, let p), .conv2dGradWeight(let k, let s, let p):
            "kernel=\(k) stride=\(s) padding=\(p)"
        case .maxpool(let size, let stride), .maxpoolGrad(let size, let stride): "size=\(size) stride=\(stride)"
        case .dropout(let rate), .dropoutGrad(let rate): "rate=\(rate)"
        case .batchnorm(let e, let m): "epsilon=\(e) momentum=\(m)"
        case .batchnormGrad(let e), .batchnormInference(let e): "epsilon=\(e)"
        case .loss(let l), .lossGrad(let l): "\(l)"
        default: ""
        }
    }

    /// Whether this op belongs to the backward pass.
    public var isBackward: Bool {
        switch self {
        case .conv2d, .matmul, .biasAdd, .activation, .maxpool, .flatten, .dropout, .batchnorm, .batchnormInference, .loss: false
        default: true
        }
    }
}

public struct Op: Sendable, Equatable {
    public var kind: OpKind
    public var inputs: [ValueID]
    public var outputs: [ValueID]
    /// The layer this op belongs to (`conv1`, `output`, `loss`).
    public var layer: String
    public var origin: SourceLocation

    public init(_ kind: OpKind, inputs: [ValueID], outputs: [ValueID], layer: String, origin: SourceLocation) {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.layer = layer
        self.origin = origin
    }
}

/// Fusion, decided at plan time. A fused kernel is a chain of op kinds, each consuming an
/// output of the one before; where the chain occurs in the op list, its ops become one
/// kernel, run by the kernel's own implementation (`FusedKernels.swift`). Values passed only
/// inside a kernel are never written to memory. `--no-fuse` plans one kernel per op so tests
/// can compare the two.
public enum FusedKernel: String, Sendable, CaseIterable {
    // Longest first: at each position the first that matches wins.
    case outputLoss = "output+bias+loss+loss_grad+bias_grad"
    case convPoolBatchNormActivation = "conv2d+maxpool+batchnorm_inference+act"
    case convBiasActivationPool = "conv2d+bias+act+maxpool"
    case convBatchNormActivation = "conv2d+batchnorm_inference+act"
    case poolGradActivationGradBiasGrad = "maxpool_grad+act_grad+bias_grad"
    case convBiasActivation = "conv2d+bias+act"
    case convPool = "conv2d+maxpool"
    case denseBiasActivation = "matmul+bias+act"
    case activationGradBiasGrad = "act_grad+bias_grad"
    case batchNormActivation = "batchnorm+act"
    case batchNormInferenceActivation = "batchnorm_inference+act"
    case activationGradBatchNormGrad = "act_grad+batchnorm_grad"
    case lossGradBiasGrad = "loss_grad+bias_grad"
    case convBias = "conv2d+bias"
    case denseBias = "matmul+bias"

    /// The op kinds of the chain, in order.
    public var pattern: [any OpKind.Type] {
        switch self {
        case .outputLoss: [Ops.MatMul.self, Ops.BiasAdd.self, Ops.Loss.self, Ops.LossGrad.self, Ops.BiasGrad.self]
        case .convPoolBatchNormActivation: [Ops.Conv2D.self, Ops.MaxPool.self, Ops.BatchNormInference.self, Ops.Activate.self]
        case .convBiasActivationPool: [Ops.Conv2D.self, Ops.BiasAdd.self, Ops.Activate.self, Ops.MaxPool.self]
        case .convBatchNormActivation: [Ops.Conv2D.self, Ops.BatchNormInference.self, Ops.Activate.self]
        case .poolGradActivationGradBiasGrad: [Ops.MaxPoolGrad.self, Ops.ActivateGrad.self, Ops.BiasGrad.self]
        case .convBiasActivation: [Ops.Conv2D.self, Ops.BiasAdd.self, Ops.Activate.self]
        case .convPool: [Ops.Conv2D.self, Ops.MaxPool.self]
        case .denseBiasActivation: [Ops.MatMul.self, Ops.BiasAdd.self, Ops.Activate.self]
        case .activationGradBiasGrad: [Ops.ActivateGrad.self, Ops.BiasGrad.self]
        case .batchNormActivation: [Ops.BatchNorm.self, Ops.Activate.self]
        case .batchNormInferenceActivation: [Ops.BatchNormInference.self, Ops.Activate.self]
        case .activationGradBatchNormGrad: [Ops.ActivateGrad.self, Ops.BatchNormGrad.self]
        case .lossGradBiasGrad: [Ops.LossGrad.self, Ops.BiasGrad.self]
        case .convBias: [Ops.Conv2D.self, Ops.BiasAdd.self]
        case .denseBias: [Ops.MatMul.self, Ops.BiasAdd.self]
        }
    }

    /// The kernel's implementation, bound once to its buffers.
    public func bind(_ ops: [Op], _ context: KernelContext) -> () -> Void {
        switch self {
        case .convPoolBatchNormActivation, .convBiasActivationPool, .convBatchNormActivation, .convBiasActivation, .convPool, .convBias:
            context.bindConvolutionForward(ops)
        case .denseBiasActivation, .denseBias: context.bindFusedDense(ops)
        case .outputLoss: context.bindFusedOutputLoss(ops)
        case .activationGradBiasGrad, .lossGradBiasGrad, .poolGradActivationGradBiasGrad: context.bindFusedGradient(ops)
        case .batchNormActivation: context.bindBatchNormActivation(ops)
        case .batchNormInferenceActivation: context.bindBatchNormInferenceActivation(ops)
        case .activationGradBatchNormGrad: context.bindActivationGradBatchNormGrad(ops)
        }
    }
}

/// A group of consecutive ops that run as one kernel.
public struct Kernel: Sendable, Equatable {
    /// The fused kernel's name, or the op's mnemonic for a kernel of one op.
    public var name: String
    /// Indices into the graph's op list, consecutive.
    public var ops: [Int]
    /// Which fused kernel runs these ops; nil for one op run by its own kind.
    public var fused: FusedKernel?
    public var isFused: Bool { ops.count > 1 }

    /// FLOPs of the direct algorithms for a batch (each op as its kind counts them).
    public func flops(in g: Graph, batch: Int) -> Int {
        ops.reduce(0) { $0 + g.ops[$1].kind.flops(g.ops[$1], in: g, batch: batch) }
    }

    /// Binds the kernel to `context`'s buffers.
    public func bind(_ context: KernelContext) -> () -> Void {
        let ops = ops.map { context.graph.ops[$0] }
        if let fused { return fused.bind(ops, context) }
        return ops[0].kind.bind(ops[0], context)
    }
}

public enum Fusion {
    /// Groups the ops of `g` into kernels; with `enabled` false every op is its own kernel.
    public static func kernels(_ g: Graph, enabled: Bool = true) -> [Kernel] {
        var kernels: [Kernel] = []
        var index = 0
        while index < g.ops.count {
            let fused = enabled ? FusedKernel.allCases.first { matches($0.pattern, in: g, at: index) } : nil
            if let fused {
                kernels.append(Kernel(name: fused.rawValue, ops: Array(index..<index + fused.pattern.count), fused: fused))
                index += fused.pattern.count
            } else {
                kernels.append(Kernel(name: g.ops[index].kind.mnemonic, ops: [index], fused: nil))
                index += 1
            }
        }
        return kernels
    }

    /// The pattern's kinds match the ops from `start` on, and each op reads an output of an
    /// earlier op of the group, so the chain is one dataflow, not neighbours by accident.
    static func matches(_ pattern: [any OpKind.Type], in g: Graph, at start: Int) -> Bool {
        guard start + pattern.count <= g.ops.count else { return false }
        for (offset, kind) in pattern.enumerated() {
            let op = g.ops[start + offset]
            guard ObjectIdentifier(type(of: op.kind)) == ObjectIdentifier(kind) else { return false }
            if offset > 0 {
                let earlier = g.ops[start..<start + offset].flatMap(\.outputs)
                guard op.inputs.contains(where: earlier.contains) else { return false }
            }
        }
        return true
    }
}

/// Fusion, decided at plan time. A rule is a chain of op kinds, each consuming an output of
/// the one before; where the chain occurs in the op list, its ops become one kernel.
/// Values passed only inside a kernel are never written to memory. The rules are written
/// once, here; `--no-fuse` plans one kernel per op so tests can compare the two.
public struct FusionRule: Sendable {
    public var name: String
    public var pattern: [@Sendable (OpKind) -> Bool]

    init(_ name: String, _ pattern: [@Sendable (OpKind) -> Bool]) {
        self.name = name
        self.pattern = pattern
    }
}

/// A group of consecutive ops that run as one kernel.
public struct Kernel: Sendable, Equatable {
    /// The fusion rule's name, or the op's mnemonic for a kernel of one op.
    public var name: String
    /// Indices into the graph's op list, consecutive.
    public var ops: [Int]
    public var isFused: Bool { ops.count > 1 }
}

public enum Fusion {
    private static let conv: @Sendable (OpKind) -> Bool = { if case .conv2d = $0 { true } else { false } }
    private static let matmul: @Sendable (OpKind) -> Bool = { $0 == .matmul }
    private static let bias: @Sendable (OpKind) -> Bool = { $0 == .biasAdd }
    private static let act: @Sendable (OpKind) -> Bool = { if case .activation = $0 { true } else { false } }
    private static let pool: @Sendable (OpKind) -> Bool = { if case .maxpool = $0 { true } else { false } }
    private static let loss: @Sendable (OpKind) -> Bool = { if case .loss = $0 { true } else { false } }
    private static let lossGrad: @Sendable (OpKind) -> Bool = { if case .lossGrad = $0 { true } else { false } }
    private static let actGrad: @Sendable (OpKind) -> Bool = { if case .activationGrad = $0 { true } else { false } }
    private static let poolGrad: @Sendable (OpKind) -> Bool = { if case .maxpoolGrad = $0 { true } else { false } }
    private static let biasGrad: @Sendable (OpKind) -> Bool = { $0 == .biasGrad }

    /// Longest rules first: at each position the first rule that matches wins.
    public static let rules: [FusionRule] = [
        FusionRule("output+bias+loss+loss_grad+bias_grad", [matmul, bias, loss, lossGrad, biasGrad]),
        FusionRule("conv2d+bias+act+maxpool", [conv, bias, act, pool]),
        FusionRule("maxpool_grad+act_grad+bias_grad", [poolGrad, actGrad, biasGrad]),
        FusionRule("conv2d+bias+act", [conv, bias, act]),
        FusionRule("matmul+bias+act", [matmul, bias, act]),
        FusionRule("act_grad+bias_grad", [actGrad, biasGrad]),
        FusionRule("loss_grad+bias_grad", [lossGrad, biasGrad]),
        FusionRule("conv2d+bias", [conv, bias]),
        FusionRule("matmul+bias", [matmul, bias]),
    ]

    /// Groups the ops of `g` into kernels; with `enabled` false every op is its own kernel.
    public static func kernels(_ g: Graph, enabled: Bool = true) -> [Kernel] {
        var kernels: [Kernel] = []
        var index = 0
        while index < g.ops.count {
            let rule = enabled ? rules.first { matches($0, in: g, at: index) } : nil
            if let rule {
                kernels.append(Kernel(name: rule.name, ops: Array(index..<index + rule.pattern.count)))
                index += rule.pattern.count
            } else {
                kernels.append(Kernel(name: g.ops[index].kind.mnemonic, ops: [index]))
                index += 1
            }
        }
        return kernels
    }

    /// The rule's kinds match the ops from `start` on, and each op reads an output of an
    /// earlier op of the group, so the chain is one dataflow, not neighbours by accident.
    static func matches(_ rule: FusionRule, in g: Graph, at start: Int) -> Bool {
        guard start + rule.pattern.count <= g.ops.count else { return false }
        for (offset, accepts) in rule.pattern.enumerated() {
            let op = g.ops[start + offset]
            guard accepts(op.kind) else { return false }
            if offset > 0 {
                let earlier = g.ops[start..<start + offset].flatMap(\.outputs)
                guard op.inputs.contains(where: earlier.contains) else { return false }
            }
        }
        return true
    }
}

import MimicBasics
import MimicKernels

/// Which pass an op belongs to. Every op kind states it: there is no default.
public enum Pass: Sendable, Equatable {
    case forward, backward
}

/// What an op is, defined in one place: its name and attributes as printed, its pass, its
/// shape rule, the FLOPs it executes, its naive reference twin and the binding of its fast
/// kernel. Forward kinds add their derivative (`Differentiable`). Each kind is a struct in
/// `Sources/MimicGraph/Ops/`, next to the kinds of its gradients; the compiler holds every
/// new kind to every requirement. Shapes below are per example.
public protocol OpKind: Sendable, Equatable {
    /// The name printed in graphs and plans, and the kernel name of an unfused op.
    var mnemonic: String { get }
    /// Attributes as printed after the operands ("" when there are none).
    var attributes: String { get }
    var pass: Pass { get }
    /// Output shapes for the given input shapes, or the reason they do not fit. A -1 in a
    /// result means "taken from the value the graph declares" (backward ops restore shapes
    /// their inputs cannot determine).
    func outputShapes(_ inputs: [[Int]]) -> Result<[[Int]], ShapeError>
    /// FLOPs executed for a batch, a multiply-add counted as 2, for GEMM-shaped work;
    /// element-wise work counts 0.
    func flops(_ op: Op, in g: Graph, batch: Int) -> Int
    /// The op run by the naive reference kernels on whole-batch tensors: the oracle the fast
    /// kernels are tested against.
    func reference(_ op: Op, _ inputs: [Tensor], _ context: inout ReferenceContext) -> [Tensor]
    /// The fast kernel for a plan with this op alone, bound once to its buffers.
    func bind(_ op: Op, _ context: KernelContext) -> () -> Void
}

/// A forward op: it says which backward ops compute its inputs' gradients.
public protocol Differentiable: OpKind {
    /// Appends to `d` the ops computing the gradients of `op`'s inputs from `dy`, the
    /// gradient of its first output (for the loss, the loss itself: d loss / d loss = 1).
    func differentiate(_ op: Op, dy: ValueID, _ d: inout Differentiation)
}

extension OpKind {
    public var attributes: String { "" }
    public var isBackward: Bool { pass == .backward }

    /// Equality across kinds, for comparing graphs.
    public func isEqual(to other: any OpKind) -> Bool { (other as? Self) == self }
}

/// One op of a graph: a kind applied to values.
public struct Op: Sendable, Equatable {
    public var kind: any OpKind
    public var inputs: [ValueID]
    public var outputs: [ValueID]
    /// The layer this op belongs to (`conv1`, `output`, `loss`).
    public var layer: String
    public var origin: SourceLocation

    public init(_ kind: any OpKind, inputs: [ValueID], outputs: [ValueID], layer: String, origin: SourceLocation) {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.layer = layer
        self.origin = origin
    }

    public static func == (a: Op, b: Op) -> Bool {
        a.kind.isEqual(to: b.kind) && a.inputs == b.inputs && a.outputs == b.outputs && a.layer == b.layer && a.origin == b.origin
    }

    /// The kind as `T`, if it is one (`op.as(Ops.Conv2D.self)`).
    public func `as`<T: OpKind>(_ type: T.Type) -> T? { kind as? T }

    public func `is`<T: OpKind>(_ type: T.Type) -> Bool { kind is T }
}

/// The namespace of the op kinds (`Ops.Conv2D`, `Ops.MaxPool`, ...), one file each family.
public enum Ops {}

public struct ShapeError: Error, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

extension Result where Success == [[Int]], Failure == ShapeError {
    static func fail(_ reason: String) -> Self { .failure(ShapeError(reason: reason)) }
}

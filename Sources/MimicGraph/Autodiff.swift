import MimicBasics

/// Reverse-mode differentiation of a training graph: appends, in reverse order of the
/// forward ops, the backward ops that compute the gradient of the loss with respect to
/// every parameter. Training is then one compiled graph, not an interpreter walking layers.
/// Gradients flow only where they are needed: nothing is computed for the input images.
/// Each op kind's own rule (`Differentiable.differentiate`) says which ops it needs. A graph
/// that cannot be differentiated (no loss at its end, or a forward op without a rule, such as
/// inference batchnorm) is a compiler bug, reported as an `InvalidGraph`.
public enum Autodiff {
    public static func backward(_ forward: Graph) throws(InvalidGraph) -> Graph {
        guard let lossOp = forward.ops.last, lossOp.is(Ops.Loss.self) else {
            throw InvalidGraph(name: forward.name, problems: ["a training graph ends in its loss; this one ends in "
                + (forward.ops.last.map { "\($0.kind.mnemonic) (\($0.layer))" } ?? "nothing")])
        }
        var d = Differentiation(graph: forward, needsGradient: valuesDependingOnParameters(forward))
        // The loss's own gradient is 1: its rule starts the chain from the loss value itself.
        d.gradients[lossOp.outputs[0]] = lossOp.outputs[0]
        for op in forward.ops.reversed() {
            guard let dy = d.gradients[op.outputs[0]] else { continue }
            guard let kind = op.kind as? any Differentiable else {
                throw InvalidGraph(name: forward.name, problems: ["\(op.kind.mnemonic) (\(op.layer)) has no derivative"])
            }
            kind.differentiate(op, dy: dy, &d)
        }
        return d.graph
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

/// The state of reverse-mode differentiation that an op's rule reads and extends.
public struct Differentiation {
    public internal(set) var graph: Graph
    let needsGradient: Set<ValueID>
    /// The gradient value of each value that has one so far.
    var gradients: [ValueID: ValueID] = [:]

    init(graph: Graph, needsGradient: Set<ValueID>) {
        self.graph = graph
        self.needsGradient = needsGradient
    }

    /// Whether the loss's gradient with respect to `v` is needed (it depends on a parameter).
    public func wants(_ v: ValueID) -> Bool { needsGradient.contains(v) }

    /// A new value for the gradient of `v`, shaped like it.
    public mutating func gradient(of v: ValueID) -> ValueID {
        graph.addValue("d.\(graph[v].name)", shape: graph[v].shape, role: .gradient(of: v), origin: graph[v].origin)
    }

    /// Records `gradient` as the gradient of `v`, for the ops before to read.
    public mutating func set(_ gradient: ValueID, of v: ValueID) { gradients[v] = gradient }

    /// Appends a backward op of `op`'s layer.
    public mutating func emit(_ kind: any OpKind, _ inputs: [ValueID], _ outputs: [ValueID], for op: Op) {
        graph.append(Op(kind, inputs: inputs, outputs: outputs, layer: op.layer, origin: op.origin))
    }

    /// The common rule of an op whose only differentiable input is the first: if its gradient
    /// is wanted, one op of `kind` computes it from `inputs`.
    public mutating func passBack(_ op: Op, _ kind: any OpKind, _ inputs: [ValueID]) {
        let x = op.inputs[0]
        guard wants(x) else { return }
        let dx = gradient(of: x)
        emit(kind, inputs, [dx], for: op)
        set(dx, of: x)
    }
}

import MimicBasics

/// A straight-line graph: values, and ops in execution order (each op's inputs are
/// defined by an earlier op or are graph inputs and parameters).
public struct Graph: Sendable, Equatable {
    public var name: String
    public private(set) var values: [Value] = []
    public private(set) var ops: [Op] = []
    /// What the graph computes: the loss (training) or the logits (inference).
    public var outputs: [ValueID] = []

    public init(name: String) { self.name = name }

    public subscript(id: ValueID) -> Value { values[id.index] }

    @discardableResult
    public mutating func addValue(
        _ name: String, shape: [Int], role: ValueRole, origin: SourceLocation, initialization: ValueInit = .scheme
    ) -> ValueID {
        let id = ValueID(values.count)
        values.append(Value(id: id, name: name, shape: shape, role: role, origin: origin, initialization: initialization))
        return id
    }

    public mutating func append(_ op: Op) { ops.append(op) }

    /// Replaces the op list (for passes that reorder or remove ops); run the verifier after.
    public mutating func replaceOps(_ newOps: [Op]) { ops = newOps }

    /// Whether a value has a leading batch dimension at run time: everything except
    /// parameters, the loss, batch statistics, and the gradients of those.
    public func isBatched(_ id: ValueID) -> Bool {
        switch self[id].role {
        case .parameter, .state, .loss, .batchStatistic: false
        case .gradient(let of): isBatched(of)
        default: true
        }
    }

    /// The parameters some op reads (a fold leaves the parameters it replaced unread).
    public var parameters: [ValueID] {
        let read = Set(ops.flatMap(\.inputs))
        return values.filter { $0.role == .parameter && read.contains($0.id) }.map(\.id)
    }

    /// The gradient value of `id`, if the graph computes one.
    public func gradient(of id: ValueID) -> ValueID? {
        values.first { $0.role == .gradient(of: id) }?.id
    }

    /// The ops reading each value, by op index.
    public func consumers() -> [ValueID: [Int]] {
        var result: [ValueID: [Int]] = [:]
        for (index, op) in ops.enumerated() {
            for input in op.inputs { result[input, default: []].append(index) }
        }
        return result
    }
}

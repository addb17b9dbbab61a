import MimicBasics
import MimicKernels

/// What an op's reference twin may ask of the reference interpreter: the batch, the shapes,
/// the dropout masks and where to leave updated state (batchnorm's running statistics).
public struct ReferenceContext {
    public let graph: Graph
    public let batch: Int
    /// Dropout masks are drawn from here, op after op, unless `masks` gives one.
    public var generator: SeededGenerator
    /// Masks to use instead of drawing them (by mask value).
    public let masks: [ValueID: Tensor]
    /// State values an op has updated, for the interpreter to store.
    public var updatedState: [ValueID: Tensor] = [:]

    public init(graph: Graph, batch: Int, dropoutSeed: UInt64, masks: [ValueID: Tensor]) {
        self.graph = graph
        self.batch = batch
        generator = SeededGenerator(seed: dropoutSeed)
        self.masks = masks
    }

    /// A value's whole-batch shape: [batch] + its per-example shape when it is batched.
    public func shape(_ id: ValueID) -> [Int] { (graph.isBatched(id) ? [batch] : []) + graph[id].shape }

    /// A batched tensor as [batch, features].
    public func flat(_ t: Tensor) -> Tensor { t.reshaped([batch, t.count / batch]) }
}

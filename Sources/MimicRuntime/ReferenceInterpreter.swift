import MimicBasics
import MimicGraph
import MimicKernels

/// Runs a graph op by op with each kind's naive reference twin: the oracle that the planned,
/// fused executor is tested against, and the engine of the gradient checks. Slow by design.
public enum ReferenceInterpreter {
    /// `feeds` holds the input batch, the targets and every parameter. Batched values are
    /// shaped [batch] + their per-example shape. Dropout masks are drawn from `dropoutSeed`,
    /// so two runs with the same seed see the same masks.
    /// `masks` replaces the generated dropout masks (by mask value), to compare with an
    /// engine that draws its own.
    public static func run(
        _ g: Graph, batch: Int, feeds: [ValueID: Tensor], dropoutSeed: UInt64 = 0, masks: [ValueID: Tensor] = [:]
    ) -> [ValueID: Tensor] {
        var env = feeds
        var context = ReferenceContext(graph: g, batch: batch, dropoutSeed: dropoutSeed, masks: masks)
        for op in g.ops {
            let outputs = op.kind.reference(op, op.inputs.map { env[$0]! }, &context)
            for (id, tensor) in context.updatedState { env[id] = tensor }
            context.updatedState = [:]
            for (id, tensor) in zip(op.outputs, outputs) { env[id] = tensor.reshaped(context.shape(id)) }
        }
        return env
    }
}

import MimicGraph

/// A stable text form of an execution plan, for golden tests and `mimicc compile --emit plan`.
public enum PlanPrinter {
    public static func print(_ plan: ExecutionPlan) -> String {
        let g = plan.graph
        let fused = plan.kernels.filter(\.isFused)
        var out = "plan \(g.name): batch \(plan.batch), \(plan.kernels.count) kernels (\(fused.count) fused), "
        out += "\(plan.parameterCount) parameters\n"
        out += "arena \(plan.arenaBytes) bytes planned, \(plan.unplannedBytes) unplanned\n"
        out += "kernels:\n"
        for (index, kernel) in plan.kernels.enumerated() {
            let ops = kernel.ops.map { g.ops[$0] }
            let layers = ops.map(\.layer).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let produced = Set(ops.flatMap(\.outputs))
            let reads = ops.flatMap(\.inputs).filter { !produced.contains($0) }
                .reduce(into: [ValueID]()) { if !$0.contains($1) { $0.append($1) } }
            let writes = ops.flatMap(\.outputs).filter { plan.storage[$0] != .kernelInternal && plan.storage[$0] != .discarded }
            out += "  k\(index) \(Executor.describe(kernel, plan)) [\(layers.joined(separator: ","))]"
            out += " reads " + (reads.isEmpty ? "-" : reads.map { "\($0)" }.joined(separator: ","))
            out += " writes " + (writes.isEmpty ? "-" : writes.map { "\($0)" }.joined(separator: ","))
            out += "\n"
        }
        out += "buffers:\n"
        for value in g.values {
            guard let place = plan.storage[value.id] else { continue }
            let shape = (g.isBatched(value.id) ? [plan.batch] : []) + value.shape
            let dims = "[" + shape.map(String.init).joined(separator: ",") + "]"
            if let source = plan.views[value.id] {
                out += "  \(value.id) \(value.name) \(dims) view of \(source)\n"
                continue
            }
            switch place {
            case .arena(let offset):
                let b = plan.arenaBuffers[value.id]!
                out += "  \(value.id) \(value.name) \(dims) arena+\(offset) \(b.bytes) bytes live k\(b.firstKernel)-k\(b.lastKernel)\n"
            case .parameters(let offset):
                out += "  \(value.id) \(value.name) \(dims) params+\(offset)\n"
            case .parameterGradients(let offset):
                out += "  \(value.id) \(value.name) \(dims) grads+\(offset)\n"
            case .state(let offset):
                out += "  \(value.id) \(value.name) \(dims) state+\(offset)\n"
            case .loss:
                out += "  \(value.id) \(value.name) [] loss\n"
            case .kernelInternal:
                out += "  \(value.id) \(value.name) \(dims) inside k\(plan.kernels.firstIndex { $0.ops.contains { g.ops[$0].outputs.contains(value.id) } }!)\n"
            case .discarded:
                out += "  \(value.id) \(value.name) \(dims) not kept (nothing reads it)\n"
            }
        }
        var counts: [(String, Int)] = []
        for kernel in fused {
            if let i = counts.firstIndex(where: { $0.0 == kernel.name }) { counts[i].1 += 1 } else { counts.append((kernel.name, 1)) }
        }
        for note in plan.notes { out += "note: \(note)\n" }
        out += "fused: " + (counts.isEmpty ? "none" : counts.map { "\($0.0) x\($0.1)" }.joined(separator: ", ")) + "\n"
        return out
    }
}

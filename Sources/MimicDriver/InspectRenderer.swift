import MimicBasics
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec

/// `mimicc inspect`: one row per layer (output shape, parameters, FLOPs, activation bytes,
/// the kernel its forward ops run in), totals and the budget verdict.
public enum InspectFormat: String, Sendable, CaseIterable {
    case table, json, dot
}

public enum InspectRenderer {
    public static func render(_ c: CompiledSpec, as format: InspectFormat) -> String {
        switch format {
        case .table: table(c)
        case .json: json(c).rendered() + "\n"
        case .dot: dot(c)
        }
    }

    /// The kernel that runs each layer's main forward op (the last one: a dense layer's
    /// implicit flatten comes before its matmul), as "k3 name".
    static func kernelOfLayer(_ c: CompiledSpec) -> [String: String] {
        var result: [String: String] = [:]
        for (index, kernel) in c.plan.kernels.enumerated() {
            for op in kernel.ops where !c.graph.ops[op].kind.isBackward {
                result[c.graph.ops[op].layer] = "k\(index) \(Executor.describe(kernel, c.plan))"
            }
        }
        return result
    }

    static func budgetLine(_ c: CompiledSpec) -> String {
        guard let s = c.analysis.budget else { return "budget: none" }
        let f = BudgetSolver.formatted
        var line = "budget: \(f(s.budget.params)) parameters within \(BudgetSolver.percent(s.budget.tolerance)): "
        if let layer = s.solvedLayer, let width = s.solvedWidth {
            line += "solved \(c.analysis.layers[layer].name) width = \(width), "
        }
        let sign = s.deviation >= 0 ? "+" : "-"
        line += "\(f(s.params)) parameters (\(sign)\(BudgetSolver.percent(abs(s.deviation)))): met"
        return line
    }

    static func table(_ c: CompiledSpec) -> String {
        let f = BudgetSolver.formatted
        let kernels = kernelOfLayer(c)
        var rows: [[String]] = [["layer", "kind", "output", "params", "FLOPs", "act bytes", "kernel"]]
        for l in c.analysis.layers {
            rows.append([l.name, l.kind, l.output.description, f(l.params), f(l.flops), f(l.activationBytes), kernels[l.name] ?? "-"])
        }
        rows.append(["total", "", "", f(c.analysis.params), f(c.analysis.flops), f(c.analysis.activationBytes), ""])
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max()! }
        let numeric: Set<Int> = [3, 4, 5]
        var out = "\(c.spec.name): \(c.graph.ops.contains { $0.kind.isBackward } ? "training" : "inference") graph, "
        out += "forward FLOPs and activation bytes per image\n"
        for row in rows {
            let cells = row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) ? pad + cell : cell + pad
            }
            out += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        out += budgetLine(c) + "\n"
        out += "plan: batch \(c.plan.batch), \(c.plan.kernels.count) kernels (\(c.plan.kernels.filter(\.isFused).count) fused), "
        out += "arena \(f(c.plan.arenaBytes)) bytes (\(f(c.plan.unplannedBytes)) unplanned)\n"
        return out
    }

    static func json(_ c: CompiledSpec) -> JSONValue {
        let kernels = kernelOfLayer(c)
        var members: [(String, JSONValue)] = [
            ("name", .string(c.spec.name)),
            ("file", .string(c.spec.file)),
            ("params", .int(c.analysis.params)),
            ("flops", .int(c.analysis.flops)),
            ("activationBytes", .int(c.analysis.activationBytes)),
            ("layers", .array(c.analysis.layers.map { l in
                .object([
                    ("name", .string(l.name)), ("kind", .string(l.kind)),
                    ("line", .int(l.location.line)), ("column", .int(l.location.column)),
                    ("output", .string(l.output.description)), ("params", .int(l.params)),
                    ("flops", .int(l.flops)), ("activationBytes", .int(l.activationBytes)),
                    ("kernel", kernels[l.name].map(JSONValue.string) ?? .null),
                ])
            })),
        ]
        if let s = c.analysis.budget {
            var budget: [(String, JSONValue)] = [("params", .int(s.budget.params)), ("achieved", .int(s.params))]
            if let layer = s.solvedLayer, let width = s.solvedWidth {
                budget += [("solvedLayer", .string(c.analysis.layers[layer].name)), ("solvedWidth", .int(width))]
            }
            members.append(("budget", .object(budget)))
        } else {
            members.append(("budget", .null))
        }
        members.append(("plan", .object([
            ("batch", .int(c.plan.batch)), ("kernels", .int(c.plan.kernels.count)),
            ("fusedKernels", .int(c.plan.kernels.filter(\.isFused).count)),
            ("arenaBytes", .int(c.plan.arenaBytes)), ("unplannedBytes", .int(c.plan.unplannedBytes)),
        ])))
        return .object(members)
    }

    /// Graphviz: one node per op, edges along values, fused kernels drawn as clusters.
    static func dot(_ c: CompiledSpec) -> String {
        let g = c.graph
        var producer: [ValueID: Int] = [:]
        for (i, op) in g.ops.enumerated() { for o in op.outputs { producer[o] = i } }
        var out = "digraph \"\(c.spec.name)\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        out += "  input [label=\"input \(GraphPrinter.shape(g[ValueID(0)].shape))\", shape=oval];\n"
        for (k, kernel) in c.plan.kernels.enumerated() {
            if kernel.isFused { out += "  subgraph cluster_k\(k) {\n    label=\"k\(k) \(kernel.name)\";\n    style=dashed;\n" }
            for i in kernel.ops {
                let op = g.ops[i]
                out += "\(kernel.isFused ? "    " : "  ")op\(i) [label=\"\(op.layer)\\n\(op.kind.mnemonic)\"];\n"
            }
            if kernel.isFused { out += "  }\n" }
        }
        for (i, op) in g.ops.enumerated() {
            for input in op.inputs {
                let label = GraphPrinter.shape(g[input].shape)
                if let p = producer[input] {
                    out += "  op\(p) -> op\(i) [label=\"\(label)\"];\n"
                } else if g[input].role == .input {
                    out += "  input -> op\(i) [label=\"\(label)\"];\n"
                }
            }
        }
        return out + "}\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

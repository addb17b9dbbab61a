/// Checks the invariants every pass must keep; tests run it after each pass. A failure is a
/// compiler bug, so it is reported as a list of broken rules rather than user diagnostics.
public enum Verifier {
    public static func verify(_ g: Graph) -> [String] {
        var problems: [String] = []
        var defined = Set<ValueID>()
        for value in g.values {
            switch value.role {
            case .input, .target, .parameter, .state: defined.insert(value.id)
            case .gradient(let of):
                if g[of].shape != value.shape {
                    problems.append("\(value.id) \(value.name): gradient shape \(value.shape) differs from \(g[of].shape)")
                }
            default: break
            }
        }
        for (index, op) in g.ops.enumerated() {
            let label = "op \(index) \(op.kind.mnemonic) (\(op.layer))"
            for input in op.inputs where !defined.contains(input) {
                problems.append("\(label): reads \(input) before it is defined")
            }
            for output in op.outputs {
                if defined.contains(output) { problems.append("\(label): redefines \(output)") }
                defined.insert(output)
            }
            switch op.kind.outputShapes(op.inputs.map { g[$0].shape }) {
            case .failure(let error):
                problems.append("\(label): \(error.reason)")
            case .success(let shapes):
                if shapes.count != op.outputs.count {
                    problems.append("\(label): has \(op.outputs.count) outputs, its rule gives \(shapes.count)")
                }
                for (output, shape) in zip(op.outputs, shapes) where !matches(g[output].shape, shape) {
                    problems.append("\(label): output \(output) has shape \(g[output].shape), its rule gives \(shape)")
                }
            }
        }
        for output in g.outputs where !defined.contains(output) {
            problems.append("graph output \(output) is never computed")
        }
        return problems
    }

    /// Whether a declared shape satisfies a rule's shape, where -1 means "taken from the
    /// forward value" (backward ops restore shapes their inputs cannot determine).
    static func matches(_ declared: [Int], _ rule: [Int]) -> Bool {
        if rule == [-1] { return true }
        guard declared.count == rule.count else { return false }
        return zip(declared, rule).allSatisfy { $1 == -1 || $0 == $1 }
    }
}

/// A graph the verifier rejects: a compiler bug, reported with every broken rule rather than
/// run.
public struct InvalidGraph: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var problems: [String]

    public init(name: String, problems: [String]) {
        self.name = name
        self.problems = problems
    }

    public var description: String {
        "internal error: the compiled graph of '\(name)' does not verify (a compiler bug; please report it):\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

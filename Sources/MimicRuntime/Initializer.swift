import MimicBasics
import MimicGraph
import MimicKernels
import MimicVocabulary

/// Glorot & Bengio (2010) uniform initialisation times a scale, as the paper's students use:
/// weights from U(-a, a) with a = scale * sqrt(6 / (fan_in + fan_out)), biases zero,
/// batchnorm scale one and shift zero, running variance one. Seeded, so runs repeat.
public enum Initializer {
    public static func initialize(_ executor: Executor, _ scheme: InitScheme, scale: Double, seed: UInt64) {
        switch scheme {
        case .glorot: glorot(executor, scale: scale, seed: seed)
        case .fanInUniform: fanInUniform(executor, scale: scale, seed: seed)
        }
        identities(executor)
    }

    /// The values a scheme initialises: the parameters, and frozen weights (model state) whose
    /// own initialiser needs data the trainer supplies later (whitening), so that without it
    /// (a benchmark) they hold the scheme's values rather than zeros.
    static func schemeValues(_ g: Graph) -> [ValueID] {
        let parameters = Set(g.parameters)
        return g.values.filter { value in
            if parameters.contains(value.id) { return true }
            if value.role == .state, case .whitening = value.initialization { return true }
            return false
        }.map(\.id)
    }

    /// Convolution weights that start as the identity (`ValueInit.dirac`), over the scheme's
    /// values: filter f of the first min(F, C) is zero but for a 1 at its centre tap of input
    /// channel f (PyTorch's `dirac_`).
    public static func identities(_ executor: Executor) {
        let g = executor.plan.graph
        for id in g.parameters where g[id].initialization == .dirac {
            let shape = g[id].shape
            guard shape.count == 4, let w = executor.pointer(id) else { continue }
            let (filters, channels, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
            let filter = channels * kh * kw
            for f in 0..<min(filters, channels) {
                (w + f * filter).update(repeating: 0, count: filter)
                w[f * filter + (f * kh + kh / 2) * kw + kw / 2] = 1
            }
        }
    }

    /// PyTorch's default for Linear and Conv2d (Kaiming uniform with a = sqrt(5)): weights
    /// and biases from U(-b, b) with b = scale / sqrt(fan_in); batchnorm as for Glorot.
    public static func fanInUniform(_ executor: Executor, scale: Double, seed: UInt64) {
        let g = executor.plan.graph
        var fanIn: [String: Int] = [:]
        for id in schemeValues(g) where g[id].name.hasSuffix(".weight") {
            let shape = g[id].shape
            fanIn[String(g[id].name.dropLast(".weight".count))] = shape[1] * (shape.count == 4 ? shape[2] * shape[3] : 1)
        }
        glorot(executor, scale: scale, seed: seed)  // batchnorm and running statistics
        var generator = SeededGenerator(seed: seed)
        for id in schemeValues(g) {
            let name = g[id].name
            let layer = name.hasSuffix(".weight") ? String(name.dropLast(".weight".count))
                : name.hasSuffix(".bias") ? String(name.dropLast(".bias".count)) : nil
            guard let layer, let fan = fanIn[layer], let p = executor.pointer(id) else { continue }
            let bound = Float(scale / Double(fan).squareRoot())
            for i in 0..<g[id].elementCount { p[i] = generator.uniform(-bound, bound) }
        }
    }

    public static func glorot(_ executor: Executor, scale: Double, seed: UInt64) {
        let g = executor.plan.graph
        var generator = SeededGenerator(seed: seed)
        for value in g.values where value.role == .state {
            executor.pointer(value.id)?.update(repeating: value.initialization == .one ? 1 : 0, count: value.elementCount)
        }
        for id in schemeValues(g) {
            let value = g[id]
            guard let p = executor.pointer(id) else { continue }
            let count = value.elementCount
            if value.name.hasSuffix(".weight") || value.name.hasSuffix(".weight.folded") {
                let shape = value.shape
                let receptive = shape.count == 4 ? shape[2] * shape[3] : 1
                let fanIn = shape[1] * receptive, fanOut = shape[0] * receptive
                let limit = Float(scale * (6.0 / Double(fanIn + fanOut)).squareRoot())
                for i in 0..<count { p[i] = generator.uniform(-limit, limit) }
            } else if value.initialization == .one {
                p.update(repeating: 1, count: count)
            } else {
                p.update(repeating: 0, count: count)
            }
        }
    }
}

import MimicBasics
import MimicSpec

/// Chooses the next trial of a search from the trials before it. A proposal depends only on
/// the seed, the trial's index and the earlier trials' results, so a search that is killed
/// and resumed proposes exactly the trials an uninterrupted one would.
public struct Proposer: Sendable {
    /// A finished trial: its point in the unit cube and its objective (nil if it failed).
    public struct Observation: Sendable {
        public var point: [Double]
        public var value: Double?

        public init(point: [Double], value: Double?) {
            self.point = point
            self.value = value
        }
    }

    public let method: SearchMethod
    public let space: SearchSpace
    public let seed: Int
    /// Random trials before the Gaussian process takes over (Bayesian optimisation only).
    public var initialTrials: Int
    /// Random candidates scored by expected improvement for each proposal.
    public var candidates = 2000

    public init(method: SearchMethod, space: SearchSpace, seed: Int) {
        self.method = method
        self.space = space
        self.seed = seed
        self.initialTrials = max(3, space.count + 1)
    }

    /// How many trials the search can run at most: a grid has a finite number of points.
    public func trialLimit(_ requested: Int) -> Int {
        method == .grid ? min(requested, space.gridSize) : requested
    }

    /// The point of trial `index` (0-based), given the trials before it in order.
    public func propose(index: Int, history: [Observation]) -> [Double] {
        switch method {
        case .grid:
            return space.gridPoint(index)
        case .random:
            return randomPoint(index)
        case .bayes:
            let observed = imputed(history)
            guard index >= initialTrials, observed.count >= 2,
                let process = GaussianProcess(points: observed.map(\.point), values: observed.map(\.value))
            else { return randomPoint(index) }
            return maximizeImprovement(process, observed: observed, index: index)
        }
    }

    private func randomPoint(_ index: Int) -> [Double] {
        var generator = generator(index, stream: 0)
        return space.snapped((0..<space.count).map { _ in unit(&generator) })
    }

    /// Failed trials (no epoch finished) count clearly below the worst result seen, by the
    /// spread of the results (at least 5 points of accuracy): imputed as the worst itself,
    /// a failure among good trials cost almost nothing, and expected improvement kept
    /// proposing points beside it.
    func imputed(_ history: [Observation]) -> [(point: [Double], value: Double)] {
        let values = history.compactMap(\.value)
        let failed = values.min().map { $0 - max(values.max()! - $0, 0.05) }
        return history.compactMap { o in (o.value ?? failed).map { (o.point, $0) } }
    }

    private func maximizeImprovement(_ process: GaussianProcess, observed: [(point: [Double], value: Double)], index: Int) -> [Double] {
        var generator = generator(index, stream: 1)
        let best = observed.map(\.value).max()!
        var pool: [[Double]] = (0..<candidates).map { _ in (0..<space.count).map { _ in unit(&generator) } }
        // Local candidates around the best trials: EI is often highest near the incumbent.
        for anchor in observed.sorted(by: { $0.value > $1.value }).prefix(3) {
            for _ in 0..<(candidates / 10) {
                pool.append(anchor.point.map { min(1, max(0, $0 + 0.05 * normal(&generator))) })
            }
        }
        var chosen = pool[0]
        var chosenScore = -Double.infinity
        for candidate in pool {
            let point = space.snapped(candidate)
            let score = process.expectedImprovement(point, best: best)
            if score > chosenScore {
                chosenScore = score
                chosen = point
            }
        }
        return chosen
    }

    private func generator(_ index: Int, stream: UInt64) -> SeededGenerator {
        // Mix seed, trial and stream so every proposal has its own independent sequence.
        var mixer = SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03 ^ stream)
        return SeededGenerator(seed: mixer.next())
    }

    private func unit(_ g: inout SeededGenerator) -> Double { Double(g.next() >> 11) * (1.0 / Double(1 << 53)) }

    private func normal(_ g: inout SeededGenerator) -> Double {
        let u = max(unit(&g), 1e-300), v = unit(&g)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

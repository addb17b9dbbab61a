import MimicSpec

/// The shape of a multi-fidelity search (Li et al., "Hyperband", JMLR 2018): brackets of
/// trials that train to a rung's epochs, of which the best 1/reduction go on to the next
/// rung. One bracket is successive halving; a search without `fidelity` is one bracket of
/// one rung, every trial trained to the end. The schedule is a pure function of the spec, and
/// who is promoted a pure function of the rung's scores, so a killed search resumes (and
/// shards merge) into the same trials, rungs and results.
public struct RungSchedule: Sendable, Equatable {
    public struct Bracket: Sendable, Equatable {
        /// The trials proposed for this bracket (global indices).
        public var trials: Range<Int>
        /// The epochs each rung of the bracket ends at; the last is the full run.
        public var rungs: [Int]
        /// How many trials train to each rung.
        public var sizes: [Int]
    }

    public let brackets: [Bracket]
    public let reduction: Int

    /// Every trial the search proposes, across brackets.
    public var trialCount: Int { brackets.last?.trials.upperBound ?? 0 }

    /// Trainings the search runs at most: a trial at each rung it reaches (with one rung,
    /// the trials).
    public var runs: Int { brackets.reduce(0) { $0 + $1.sizes.reduce(0, +) } }

    public var isMultiFidelity: Bool { levels.count > 1 }

    /// The epoch levels of all rungs, lowest first.
    public var levels: [Int] { brackets.first?.rungs ?? [] }

    /// `trials` is the size of the first (most aggressive) bracket; later brackets start one
    /// rung later with Hyperband's counts, scaled so that each bracket costs about the same.
    public init(trials: Int, epochs: Int, fidelity: Fidelity?) {
        guard let fidelity else {
            brackets = [Bracket(trials: 0..<trials, rungs: [epochs], sizes: [trials])]
            reduction = 1
            return
        }
        let levels = fidelity.rungs(epochs: epochs)
        let eta = fidelity.reduction, top = levels.count - 1
        var brackets: [Bracket] = []
        var next = 0
        for b in 0..<min(fidelity.brackets, levels.count) {
            // Hyperband's n_s = ceil((s_max + 1) / (s + 1) * eta^s) with s = s_max - b,
            // relative to the first bracket's n = eta^s_max, times `trials`.
            let s = top - b
            let share = Double(top + 1) / Double(s + 1) * Self.power(Double(eta), s - top)
            let n = max(1, Int((Double(trials) * share - 1e-9).rounded(.up)))
            var sizes = [n]
            for _ in (b + 1)..<levels.count { sizes.append(max(1, sizes.last! / eta)) }
            brackets.append(Bracket(trials: next..<(next + n), rungs: Array(levels[b...]), sizes: sizes))
            next += n
        }
        self.brackets = brackets
        reduction = eta
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= base }
        return exponent < 0 ? 1 / result : result
    }

    /// The trials that go on: the `count` best by score, ties to the earlier trial.
    public static func promoted(_ candidates: [(trial: Int, score: Double)], count: Int) -> [Int] {
        candidates.sorted { ($0.score, -$0.trial) > ($1.score, -$1.trial) }.prefix(count).map(\.trial).sorted()
    }

    /// Epochs all the brackets' trials train in total when nothing stops early: the cost of
    /// the search in epochs, for estimates.
    public var totalEpochs: Int {
        brackets.reduce(0) { total, bracket in
            var epochs = 0, previous = 0
            for (rung, size) in zip(bracket.rungs, bracket.sizes) {
                epochs += size * (rung - previous)
                previous = rung
            }
            return total + epochs
        }
    }
}

import MimicSearch
import MimicSpec
import MimicStore

/// One experiment's search as the study runner sees it: the schedule of brackets and rungs,
/// the trials recorded so far, and the decisions made from them (the next proposal, who is
/// promoted, each trial's seed). Every decision depends only on the records, never on
/// timing, so a resumed or sharded study makes the same ones.
struct ExperimentSearch {
    let experiment: Experiment
    let space: SearchSpace
    let proposer: Proposer?
    let schedule: RungSchedule
    private var records: [Int: TrialRecord]

    init(_ e: Experiment, records: [TrialRecord]) {
        experiment = e
        let space = SearchSpace(e.spec.search?.space ?? [])
        self.space = space
        proposer = e.spec.search.map { Proposer(method: $0.method, space: space, seed: StudyRunner.searchSeed($0.seed, e.name)) }
        schedule = e.schedule
        self.records = Dictionary(records.map { ($0.trial, $0) }, uniquingKeysWith: { $1 })
    }

    var isMultiFidelity: Bool { schedule.isMultiFidelity }

    func record(_ trial: Int) -> TrialRecord? { records[trial] }

    mutating func update(_ record: TrialRecord) { records[record.trial] = record }

    /// The point of a new trial. With `search.start: spec`, trial 0 is the spec's own values.
    func propose(_ index: Int) -> [Double] {
        guard let proposer, let search = experiment.spec.search else { return [] }
        if index == 0, search.start == .spec, let own = space.point(of: experiment.spec) { return own }
        return proposer.propose(index: index, history: history(before: index))
    }

    /// The trial's own `train.seed` (`search.seeds: per-trial`), or nil to keep the spec's.
    func seed(_ index: Int) -> Int? {
        guard let search = experiment.spec.search, search.seeds == .perTrial else { return nil }
        // 1 ..< 2^31: a valid spec seed, different for every trial and search seed.
        let mixed = StudyRunner.searchSeed(search.seed, experiment.name + "#trial-\(index)")
        return 1 + mixed % (Int(Int32.max) - 1)
    }

    /// The earlier trials as the proposer sees them, at one fidelity (BOHB's rule): the
    /// highest rung with enough observations for the model, else the first. A trial that
    /// stopped early counts at every rung above it with its final score; a failed one counts
    /// everywhere, without a value.
    func history(before index: Int) -> [Proposer.Observation] {
        let earlier = records.values.filter { $0.trial < index && $0.status != .running }.sorted { $0.trial < $1.trial }
        func value(_ r: TrialRecord, at level: Int) -> Double?? {
            if r.status == .failed { return .some(nil) }
            if !isMultiFidelity { return r.validationAccuracy.map { .some($0) } }
            if let score = r.rungScores[level] { return .some(score) }
            if r.complete, (r.epochs ?? 0) < level, let final = r.validationAccuracy { return .some(final) }
            return nil
        }
        let needed = proposer?.initialTrials ?? 1
        let levels = schedule.levels
        let level = levels.reversed().first { level in earlier.count { value($0, at: level) != nil } >= needed } ?? levels.first ?? 0
        return earlier.compactMap { r in value(r, at: level).map { Proposer.Observation(point: r.point, value: $0) } }
    }

    /// The trials of `participants` that go on from the rung of `epochs`: the `count` best
    /// by their score there, among those paused at it (a trial that ended cannot go on; one
    /// stopped while training past it still counts with its score there).
    func promoted(from participants: [Int], rung epochs: Int, count: Int) -> [Int] {
        let candidates = participants.compactMap { trial -> (trial: Int, score: Double)? in
            guard let r = records[trial], r.status != .failed, let score = r.rungScores[epochs],
                  !(r.complete && (r.epochs ?? 0) <= epochs)
            else { return nil }
            return (trial, score)
        }
        return RungSchedule.promoted(candidates, count: count)
    }
}

import MimicBasics
import MimicYAML

extension Lowerer {
    static let searchKeys = ["method", "trials", "objective", "report", "seed", "space", "fidelity", "start", "seeds"]
    static let fidelityKeys = ["min-epochs", "reduction", "brackets"]
    static let distributionKinds = ["uniform", "log-uniform", "int", "choice"]

    /// Lowers `search`; its paths are checked against the lowered spec by `SearchPathResolver`.
    mutating func lowerSearch(_ node: Node) -> Search? {
        guard let search = mapping(node, "search", allowed: Self.searchKeys) else { return nil }
        let method = required(search, "method", in: "search")
            .flatMap { choice($0, "search.method", among: SearchMethod.allCases.map(\.rawValue)) }
            .flatMap(SearchMethod.init(rawValue:))
        let trials = required(search, "trials", in: "search").flatMap { int($0, "search.trials", min: 1) }
        let objective = search["objective"].map {
            choice($0, "search.objective", among: SearchObjective.allCases.map(\.rawValue)).flatMap(SearchObjective.init(rawValue:))
        } ?? .validationAccuracy
        let report = search["report"].flatMap { mapping($0, "search.report", allowed: ["top"]) }
        let top = int(in: report, "top", "search.report.top", default: 5, min: 1)
        let seed = int(in: search, "seed", "search.seed", default: 0, min: 0)
        var space: [SearchDimension]?
        if let node = required(search, "space", in: "search") {
            space = lowerSpace(node, method: method)
        }
        if let top, let trials, top > trials, let node = report?["top"] {
            diagnostics.warning(
                .reportExceedsTrials, "'search.report.top' (\(top)) exceeds 'search.trials' (\(trials))",
                at: node.location, notes: [DiagnosticNote("the report can list at most \(trials) trials")])
        }
        let fidelity = search["fidelity"].map { lowerFidelity($0) }  // nil: none; .some(nil): wrong
        let start = search["start"].map {
            choice($0, "search.start", among: SearchStart.allCases.map(\.rawValue)).flatMap(SearchStart.init(rawValue:))
        } ?? .random
        let seeds = search["seeds"].map {
            choice($0, "search.seeds", among: TrialSeeds.allCases.map(\.rawValue)).flatMap(TrialSeeds.init(rawValue:))
        } ?? .perTrial
        guard let method, let trials, let objective, let top, let seed, let space, let start, let seeds,
              fidelity.map({ $0 != nil }) ?? true
        else { return nil }
        return Search(method: method, trials: trials, objective: objective, top: top, seed: seed, space: space,
                      fidelity: fidelity ?? nil, start: start, seeds: seeds, location: search.location)
    }

    /// `search.fidelity`; its rungs are checked against `train.epochs` by `FidelityCheck`.
    private mutating func lowerFidelity(_ node: Node) -> Fidelity? {
        guard let body = mapping(node, "search.fidelity", allowed: Self.fidelityKeys) else { return nil }
        let minEpochs = required(body, "min-epochs", in: "search.fidelity").flatMap { int($0, "search.fidelity.min-epochs", min: 1) }
        let reduction = int(in: body, "reduction", "search.fidelity.reduction", default: 3, min: 2)
        let brackets = int(in: body, "brackets", "search.fidelity.brackets", default: 1, min: 1)
        guard let minEpochs, let reduction, let brackets else { return nil }
        return Fidelity(minEpochs: minEpochs, reduction: reduction, brackets: brackets, location: body.location)
    }

    private mutating func lowerSpace(_ node: Node, method: SearchMethod?) -> [SearchDimension]? {
        guard let entries = node.mapping else {
            wrongType(node, expected: "a mapping from spec paths to distributions", for: "search.space")
            return nil
        }
        if entries.isEmpty {
            outOfRange(node, "search.space", "must name at least one value to search")
            return nil
        }
        var dimensions: [SearchDimension] = []
        for entry in entries {
            guard let (kind, body, at) = variant(entry.value, "search distribution", among: Self.distributionKinds),
                let body
            else {
                if entry.value.scalar != nil || entry.value.mapping?.count == 1 {
                    diagnostics.error(.missingKey, "distribution of '\(entry.name)' needs its bounds",
                                      at: entry.value.location,
                                      notes: [DiagnosticNote("for example: {log-uniform: [0.001, 0.1]}")])
                }
                continue
            }
            guard let distribution = lowerDistribution(kind, body, at: at) else { continue }
            if method == .grid, kind == "uniform" || kind == "log-uniform" {
                diagnostics.error(
                    .searchDimension, "grid search cannot enumerate the continuous range of '\(entry.name)'",
                    at: at, notes: [DiagnosticNote("use 'choice: [...]' or 'int: [lo, hi]' with method 'grid'")])
                continue
            }
            dimensions.append(SearchDimension(path: entry.name, distribution: distribution, location: entry.key.location))
        }
        return dimensions
    }

    private mutating func lowerDistribution(_ kind: String, _ body: Node, at: SourceLocation) -> Distribution? {
        let what = "search \(kind)"
        guard let items = body.sequence else {
            wrongType(body, expected: kind == "choice" ? "a list of values" : "a list [low, high]", for: what)
            return nil
        }
        if kind == "choice" {
            guard !items.isEmpty else {
                outOfRange(body, what, "must list at least one value")
                return nil
            }
            var values: [ChoiceValue] = []
            for item in items {
                if let i = item.int { values.append(.int(i)) }
                else if let d = item.double { values.append(.double(d)) }
                else if let b = item.bool { values.append(.bool(b)) }
                else if let s = item.scalar, !item.isNull { values.append(.string(s.text)) }
                else { wrongType(item, expected: "a scalar", for: what) }
            }
            return values.count == items.count ? .choice(values) : nil
        }
        guard items.count == 2 else {
            wrongType(body, expected: "a list of two bounds [low, high]", for: what)
            return nil
        }
        if kind == "int" {
            guard let low = int(items[0], what), let high = int(items[1], what) else { return nil }
            guard low <= high else {
                outOfRange(items[0], what, "low bound \(low) exceeds high bound \(high)")
                return nil
            }
            return .int(low, high)
        }
        guard let low = double(items[0], what), let high = double(items[1], what) else { return nil }
        guard low < high else {
            outOfRange(items[0], what, "low bound \(low) must be below high bound \(high)")
            return nil
        }
        if kind == "log-uniform" {
            guard low > 0 else {
                outOfRange(items[0], what, "needs positive bounds, found \(low)")
                return nil
            }
            return .logUniform(low, high)
        }
        return .uniform(low, high)
    }
}

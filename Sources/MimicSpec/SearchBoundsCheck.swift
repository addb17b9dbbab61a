import MimicBasics
import MimicYAML

/// Checks that a search can only produce valid specs: each bound (and each choice) is put in
/// place of the searched value and the spec lowered again; an error at that value means the
/// search would leave the value's range (momentum up to 1.2, a dropout rate of 1).
enum SearchBoundsCheck {
    static func check(_ dimension: SearchDimension, root: Node, into diagnostics: inout DiagnosticBag) {
        guard let segments = SearchPathResolver.segments(dimension.path),
            let original = SearchPathResolver.scalar(at: segments, in: root)
        else { return }  // Paths into the compact notation have no node to replace.
        // Lower only the section that holds the value (and the model, which data checks
        // against), as an abstract spec so that nothing else is required: this is run twice
        // per dimension for every spec of a study, so it must stay cheap.
        guard case .key(let section) = segments[0] else { return }
        let kept = root.mapping?.filter { $0.name == section || $0.name == "model" || $0.name == "mimicc" } ?? []
        let abstract = MappingEntry(key: .scalar("abstract", at: root.location), value: .scalar("true", at: root.location))
        let withoutSearch = Node(.mapping(kept + [abstract]), at: root.location)
        for candidate in candidates(dimension.distribution) {
            let replacement = Node(.scalar(Scalar(text: candidate)), at: original.location)
            guard let probe = SearchTree.replacing(segments[...], in: withoutSearch, with: replacement) else { continue }
            let problems = SpecLowering.lower(probe, file: original.location.file).diagnostics.filter {
                $0.severity == .error && $0.location == original.location
            }
            if let problem = problems.first {
                diagnostics.error(
                    .searchDimension, "search value \(candidate) for '\(dimension.path)' is invalid: \(problem.message)",
                    at: dimension.location,
                    notes: [DiagnosticNote("the searched value is here", at: original.location)])
                return
            }
        }
    }

    /// The values worth trying: both ends of a range, every choice.
    private static func candidates(_ distribution: Distribution) -> [String] {
        switch distribution {
        case .uniform(let lo, let hi), .logUniform(let lo, let hi): ["\(lo)", "\(hi)"]
        case .int(let lo, let hi): ["\(lo)", "\(hi)"]
        case .choice(let values):
            values.map {
                switch $0 {
                case .int(let i): "\(i)"
                case .double(let d): "\(d)"
                case .bool(let b): "\(b)"
                case .string(let s): s
                }
            }
        }
    }
}

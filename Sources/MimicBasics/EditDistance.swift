/// "Did you mean" suggestions, by edit distance over Unicode scalars.
public enum Suggestion {
    /// Edit distance between two strings: insertions, deletions, substitutions and swaps of
    /// two neighbours (optimal string alignment), each one edit, since a swap ("widht",
    /// "rnu") is the commonest typo.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }

    /// The closest candidate, if it is close enough to be a plausible typo: at most a third
    /// of the word's length in edits (and at least one), ties broken by candidate order.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = max(1, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        return best?.0
    }

    /// A note suggesting the closest candidate, or listing them all when none is close.
    public static func note(for word: String, in candidates: [String]) -> DiagnosticNote {
        if let match = closest(to: word, in: candidates) {
            return DiagnosticNote("did you mean '\(match)'?")
        }
        return DiagnosticNote("expected one of: " + candidates.joined(separator: ", "))
    }
}

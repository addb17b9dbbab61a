import Foundation
import MimicSpec

/// Published results to overlay on a report, read from `published.csv` in the study
/// directory: `family,role,budget,best,mean,last` (accuracies in percent; `mean` and `last`
/// may be empty; `budget` is empty for the teacher).
public struct PublishedNumbers: Sendable {
    public struct Row: Sendable, Equatable {
        public var family: String
        public var role: String
        public var budget: Int?
        public var best: Double
        public var mean: Double?
        public var last: Double?
    }

    public var rows: [Row]
    public var source: String

    public var families: [String] {
        var seen: [String] = []
        for row in rows where !seen.contains(row.family) { seen.append(row.family) }
        return seen
    }

    public func row(_ family: String, _ role: String, _ budget: Int?) -> Row? {
        rows.first { $0.family == family && $0.role == role && $0.budget == budget }
    }

    /// Reads the file, or says which line is wrong.
    public static func read(_ path: String) throws(StudyError) -> PublishedNumbers {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError("cannot read published numbers '\(path)'")
        }
        var rows: [Row] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("family,") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func bad(_ why: String) -> StudyError { StudyError("\(path):\(n + 1): \(why)") }
            guard fields.count == 6 else { throw bad("expected 6 fields (family,role,budget,best,mean,last), found \(fields.count)") }
            guard ["student", "baseline", "teacher"].contains(fields[1]) else { throw bad("role '\(fields[1])' is not student, baseline or teacher") }
            let budget: Int?
            if fields[2].isEmpty { budget = nil } else {
                guard let b = Quantity.count(fields[2]) else { throw bad("budget '\(fields[2])' is not a count such as 1M") }
                budget = b
            }
            guard let best = Double(fields[3]) else { throw bad("best '\(fields[3])' is not a number") }
            func optional(_ s: String, _ what: String) throws(StudyError) -> Double? {
                if s.isEmpty { return nil }
                guard let v = Double(s) else { throw bad("\(what) '\(s)' is not a number") }
                return v
            }
            rows.append(Row(family: fields[0], role: fields[1], budget: budget, best: best,
                            mean: try optional(fields[4], "mean"), last: try optional(fields[5], "last")))
        }
        return PublishedNumbers(rows: rows, source: path)
    }
}

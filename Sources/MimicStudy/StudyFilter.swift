import MimicSpec

/// `--filter KEY=VALUE`: keeps the experiments whose KEY equals VALUE. Several filters on
/// one key are alternatives; filters on different keys must all hold.
public struct StudyFilter: Sendable, Equatable {
    public static let keys = ["budget", "family", "role", "name"]

    public var key: String
    public var value: String

    /// Parses `KEY=VALUE`, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<StudyFilter, StudyError> {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            return .failure(StudyError("filter '\(text)' is not KEY=VALUE (keys: \(keys.joined(separator: ", ")))"))
        }
        guard keys.contains(parts[0]) else {
            return .failure(StudyError("unknown filter key '\(parts[0])' (keys: \(keys.joined(separator: ", ")))"))
        }
        if parts[0] == "budget", Quantity.count(parts[1]) == nil {
            return .failure(StudyError("filter budget=\(parts[1]) is not a parameter count such as 1M or 3.16M"))
        }
        return .success(StudyFilter(key: parts[0], value: parts[1]))
    }

    func matches(_ e: Experiment) -> Bool {
        switch key {
        case "budget": return e.budget != nil && e.budget == Quantity.count(value)
        case "family": return e.family.lowercased() == value.lowercased()
        case "role": return e.role.rawValue == value
        default: return e.name == value
        }
    }

    /// Whether an experiment passes every filter.
    static func keep(_ e: Experiment, _ filters: [StudyFilter]) -> Bool {
        Dictionary(grouping: filters, by: \.key).values.allSatisfy { group in group.contains { $0.matches(e) } }
    }
}

/// A study-level failure the user can fix: a bad filter, an unreadable directory.
public struct StudyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `--set PATH=VALUE`: a value to replace in every spec of the study that writes PATH.
public struct StudyOverride: Sendable, Equatable {
    public var path: String
    public var value: String

    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }

    public static func parse(_ text: String) -> Result<StudyOverride, StudyError> {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(StudyError("--set '\(text)' is not PATH=VALUE, e.g. train.epochs=8"))
        }
        return .success(StudyOverride(path: parts[0], value: parts[1]))
    }
}

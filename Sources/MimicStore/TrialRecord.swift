import Foundation

/// One trial of a study as the results store keeps it.
public struct TrialRecord: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Claimed by a process that has not finished it (or was killed while running it).
        case running
        case done
        case failed

        /// Which of two records of the same trial a merge keeps.
        var rank: Int {
            switch self {
            case .running: 0
            case .failed: 1
            case .done: 2
            }
        }
    }

    /// The content hash of the spec the trial belongs to (search block included).
    public var experiment: String
    /// 0-based index of the trial within its experiment's search.
    public var trial: Int
    public var specFile: String
    public var name: String
    public var family: String
    public var role: String
    /// The parameter budget of the spec, or nil (the teacher has none).
    public var budget: Int?
    /// The searched values, as a JSON object from spec path to value.
    public var assignment: String
    /// The trial's point in the search's unit cube.
    public var point: [Double]
    public var status: Status
    public var reason: String?
    public var runDirectory: String?
    /// The content hash of the trial's own resolved spec.
    public var specHash: String?
    public var validationAccuracy: Double?
    public var testAccuracy: Double?
    public var params: Int?
    public var epochs: Int?
    public var seconds: Double?
    /// `host:pid` of the process running the trial, while it runs.
    public var owner: String?
    /// The best validation accuracy at each rung a multi-fidelity search trained the trial to,
    /// by the rung's epochs: what promotions are decided (and replayed) from.
    public var rungScores: [Int: Double] = [:]
    /// False while the trial is paused at a rung and may train further; true once its run
    /// ended (the full schedule, a plateau stop, a divergence) or failed.
    public var complete = true

    public init(experiment: String, trial: Int, specFile: String, name: String, family: String, role: String,
                budget: Int?, assignment: String, point: [Double]) {
        self.experiment = experiment
        self.trial = trial
        self.specFile = specFile
        self.name = name
        self.family = family
        self.role = role
        self.budget = budget
        self.assignment = assignment
        self.point = point
        self.status = .running
    }

    /// The record without the fields that differ between machines (directories, times), to
    /// compare a merged study with one run on a single machine.
    /// Whether the trial needs no more training to stand at the rung of `epochs`: it ended
    /// (failed, stopped early, or trained to its end) or trained that far.
    public func hasReached(_ epochs: Int) -> Bool {
        complete || status == .failed || (self.epochs ?? 0) >= epochs
    }

    /// Whether this record is further along than `other` (a merge keeps it): done over
    /// failed over running, then more epochs trained.
    public func isAhead(of other: TrialRecord) -> Bool {
        (status.rank, epochs ?? 0) > (other.status.rank, other.epochs ?? 0)
    }

    /// `{"2": 0.61, "6": 0.70}`, as the store keeps `rungScores`.
    public var rungScoresJSON: String {
        "{" + rungScores.keys.sorted().map { "\"\($0)\": \(rungScores[$0]!)" }.joined(separator: ", ") + "}"
    }

    public static func rungScores(json: String?) -> [Int: Double] {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Double]
        else { return [:] }
        return Dictionary(uniqueKeysWithValues: object.compactMap { key, score in Int(key).map { ($0, score) } })
    }

    public var portable: TrialRecord {
        var copy = self
        copy.runDirectory = nil
        copy.seconds = nil
        copy.owner = nil
        return copy
    }
}

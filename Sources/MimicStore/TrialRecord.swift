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
    public var portable: TrialRecord {
        var copy = self
        copy.runDirectory = nil
        copy.seconds = nil
        copy.owner = nil
        return copy
    }
}

import MimicData

/// The data a run trains and evaluates on, with the teacher's logits for each split in the
/// split's order ([images, classes]); nil where the loss does not need them.
public struct TrainingData: Sendable {
    public var splits: Splits
    public var classes: Int
    public var teacherTrain: [Float]?
    public var teacherTrainFlipped: [Float]?
    /// Run directories of an ensemble teacher, evaluated on each augmented batch instead.
    public var ensemble: [String] = []

    public init(splits: Splits, classes: Int, teacherTrain: [Float]?, teacherTrainFlipped: [Float]?) {
        self.splits = splits
        self.classes = classes
        self.teacherTrain = teacherTrain
        self.teacherTrainFlipped = teacherTrainFlipped
    }
}

/// What a finished run reports (written as result.json).
public struct TrainingResult: Codable, Sendable {
    public var name: String
    public var specHash: String
    public var parameters: Int
    public var epochs: Int
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double
    public var testAccuracy: Double
    /// The epoch whose weights scored `testAccuracy`: the best epoch's, or with
    /// `train.tested: last` the last one's. Absent in results written before it existed.
    public var testedEpoch: Int?
    /// The views `testAccuracy` averaged (`train.tta`), and with views the accuracy of the
    /// image alone. Absent in results written before test-time augmentation existed.
    public var testViews: String?
    public var testAccuracyWithoutViews: Double?
    /// What ended the run: the schedule's stop reason (`epochs`, `plateau`, `minimum-rate`,
    /// `diverged`), or `paused` for a search's rung that may continue.
    public var stoppedBy: String
    public var wallSeconds: Double
    public var imagesPerSecond: Double

    public static let paused = "paused"
    public var isPaused: Bool { stoppedBy == Self.paused }
}

public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32
    public var description: String { message }
}

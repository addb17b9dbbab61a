import MimicBasics
import MimicData
import MimicSpec

/// `mimicc logits RUN... --split train|test --out FILE.npy`: the averaged logits of trained
/// runs (an ensemble teacher) on every image of a split, in record order, with each run's own
/// normalisation and its best checkpoint (or, with `--checkpoint last`, its last), written as
/// a float32 .npy file that a student's `teacher.logits` can name. Each image's logits are
/// averaged over the views of test-time augmentation: `--tta`, else each run's `train.tta`.
/// Without `--split`, `TeacherExport` writes every file a student needs at once.
public enum LogitsExport {
    public enum Split: String, Sendable, CaseIterable { case train, test }
    /// Which of a run's checkpoints: its best validation epoch's or its last epoch's.
    public typealias Weights = TestedCheckpoint
    /// Which views of each image are averaged (test-time augmentation).
    public typealias Views = TestTimeAugmentation

    public static func export(
        runs: [String], split: Split, flipped: Bool, out: String, threads: Int, checkpoint which: TestedCheckpoint = .best,
        tta: TestTimeAugmentation? = nil
    ) throws -> (rows: Int, columns: Int) {
        var ensemble = EnsembleSum()
        for path in runs {
            let run = try TrainedRun.open(path, checkpoint: which)
            let views = tta ?? run.spec.train?.tta ?? .none
            let (logits, _) = try run.logits(split, flipped: flipped, views: views, threads: threads)
            try ensemble.add(logits, classes: run.classes, from: path)
        }
        let matrix = ensemble.mean
        try NumpyArray.write(matrix, to: out)
        return (matrix.rows, matrix.columns)
    }
}

/// The running sum of the members' logits, in Double so that the mean does not depend on the
/// members' order beyond rounding of the last place.
struct EnsembleSum {
    private var sum: [Double] = []
    private var classes = 0
    private var members = 0
    private var first = ""

    mutating func add(_ logits: [Float], classes: Int, from run: String) throws {
        if members == 0 {
            sum = logits.map(Double.init)
            self.classes = classes
            first = run
        } else {
            guard logits.count == sum.count, classes == self.classes else {
                throw DataError("'\(run)' gives \(logits.count / max(1, classes)) rows of \(classes) logits; "
                                + "'\(first)' gave \(sum.count / max(1, self.classes)) of \(self.classes)",
                                hint: "an ensemble's members must be trained on the same data")
            }
            for i in 0..<sum.count { sum[i] += Double(logits[i]) }
        }
        members += 1
    }

    var mean: NumpyArray.Matrix {
        NumpyArray.Matrix(rows: sum.count / max(1, classes), columns: classes,
                          values: sum.map { Float($0 / Double(max(1, members))) })
    }
}

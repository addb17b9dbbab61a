import Foundation
import MimicBasics
import MimicData
import MimicSpec
import MimicTrain

/// `mimicc logits RUN... --out DIR` (no `--split`): an ensemble teacher in the layout a
/// student's `teacher.logits` reads, that of `../shared/data/teacher`:
/// - `train_logits.npy`: every training record in file order (the validation rows included),
///   each image alone, since a student is fed the logits of the very view it sees;
/// - `train_logits_flip.npy`: the same images mirrored;
/// - `test_logits.npy`: the test images, averaged over each member's `train.tta` views (what its
///   test accuracy measured) or `--tta`;
/// - `teacher.json`, written last: the members (run, spec hash, seed, checkpoint, views) with
///   the accuracies of each and of the ensemble, counted on the exported logits themselves.
public enum TeacherExport {
    public static let trainFile = "train_logits.npy"
    public static let trainFlipFile = "train_logits_flip.npy"
    public static let testFile = "test_logits.npy"
    public static let recordFile = "teacher.json"

    /// Accuracies on the training rows, the validation rows and the test split.
    public struct Accuracies: Sendable, Equatable {
        public var train = 0.0
        public var validation = 0.0
        public var test = 0.0
    }

    public struct Member: Sendable {
        public var run: String
        public var name: String
        public var specHash: String
        public var seed: Int
        public var epochs: Int
        public var checkpoint: TestedCheckpoint
        public var checkpointEpoch: Int
        public var testViews: TestTimeAugmentation
        public var accuracy = Accuracies()
        /// From the run's result.json and provenance.json, when it has them.
        public var wallSeconds: Double?
        public var started: String?
        public var cpu: String?
        public var threads: Int?
        public var trainedBy: String?
    }

    public struct Record: Sendable {
        public var members: [Member]
        public var ensemble = Accuracies()
        public var trainRows: Int
        public var validationRows: Int
        public var testRows = 0
        public var classes: Int
    }

    /// Exports the ensemble of `runs` into `directory` (created if needed; files already there
    /// are replaced, each atomically). `log` gets one line per member and file.
    public static func export(runs paths: [String], to directory: String, checkpoint which: TestedCheckpoint = .best,
                              testViews: TestTimeAugmentation? = nil, threads: Int,
                              log: (String) -> Void = { _ in }) throws -> Record {
        let runs = try paths.map { try TrainedRun.open($0, checkpoint: which) }
        guard let first = runs.first else { throw DataError("no runs to export") }
        for run in runs.dropFirst() {
            let a = first.data, b = run.data
            guard a.dataset == b.dataset, a.train == b.train, a.validation == b.validation, first.classes == run.classes else {
                throw DataError("'\(run.path)' was trained on \(b.dataset.rawValue) with \(b.train) training and \(b.validation) validation images, "
                                + "'\(first.path)' on \(a.dataset.rawValue) with \(a.train) and \(a.validation)",
                                hint: "an ensemble's members must share the data split, so that its validation rows mean the same")
            }
        }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DataError("cannot create '\(directory)': \(error.localizedDescription)")
        }
        // teacher.json scores the validation rows of the training file; a separate validation
        // file has no rows there.
        if first.data.files?.validation != nil {
            throw DataError("'\(first.path)' validates on a file of its own (data.files.validation), so a teacher directory cannot score its validation rows",
                            hint: "export one split with 'mimicc logits RUN --split train|test --out FILE.npy', or validate on the last images of the training file")
        }
        let training = 0..<first.data.train
        let validation = first.data.train..<(first.data.train + first.data.validation)
        var record = Record(
            members: runs.map {
                Member(run: $0.path, name: $0.spec.name, specHash: $0.specHash, seed: $0.spec.train?.seed ?? 0,
                       epochs: $0.spec.train?.epochs ?? 0, checkpoint: which, checkpointEpoch: $0.checkpoint.epoch,
                       testViews: testViews ?? $0.spec.train?.tta ?? .none, wallSeconds: $0.result?.wallSeconds,
                       started: $0.provenance?.started, cpu: $0.provenance?.cpu, threads: $0.provenance?.threads,
                       trainedBy: $0.provenance.map { "mimicc " + $0.mimicc })
            },
            trainRows: training.count, validationRows: validation.count, classes: first.classes)

        let parts: [(split: LogitsExport.Split, flipped: Bool, file: String)] = [
            (.train, false, trainFile), (.train, true, trainFlipFile), (.test, false, testFile),
        ]
        for part in parts {
            var ensemble = EnsembleSum()
            var labels: [UInt8] = []
            for (m, run) in runs.enumerated() {
                let views = part.split == .test ? record.members[m].testViews : .none
                let started = Date()
                let result = try run.logits(part.split, flipped: part.flipped, views: views, threads: threads)
                labels = result.labels
                score(result.logits, labels, part, training, validation, classes: run.classes, into: &record.members[m].accuracy)
                try ensemble.add(result.logits, classes: run.classes, from: run.path)
                log(String(format: "%@ %d/%d (%@): %d images, %@ views, %.0f s", part.file, m + 1, runs.count, run.path,
                           labels.count, views.rawValue, Date().timeIntervalSince(started)))
            }
            let mean = ensemble.mean
            score(mean.values, labels, part, training, validation, classes: mean.columns, into: &record.ensemble)
            if part.split == .test { record.testRows = mean.rows }
            try NumpyArray.write(mean, to: directory + "/" + part.file)
        }
        try AtomicFile.write(Data(json(record).utf8), to: directory + "/" + recordFile)
        return record
    }

    /// The training and validation accuracies come from the unmirrored training rows, the
    /// test accuracy from the test split; the mirrored images only feed the student.
    private static func score(_ logits: [Float], _ labels: [UInt8], _ part: (split: LogitsExport.Split, flipped: Bool, file: String),
                              _ training: Range<Int>, _ validation: Range<Int>, classes: Int, into accuracy: inout Accuracies) {
        switch (part.split, part.flipped) {
        case (.train, false):
            accuracy.train = Accuracy.of(logits, classes: classes, labels: labels, rows: training)
            accuracy.validation = Accuracy.of(logits, classes: classes, labels: labels, rows: validation)
        case (.test, _):
            accuracy.test = Accuracy.of(logits, classes: classes, labels: labels, rows: 0..<labels.count)
        case (.train, true):
            break
        }
    }

    /// `teacher.json`: the keys of `../shared/data/teacher/teacher.json` (members' seed, epochs,
    /// test and validation accuracy; the ensemble's test, validation and train accuracy) and
    /// the provenance a reader needs to trust them.
    static func json(_ r: Record) -> String {
        let members: [JSONValue] = r.members.map { m in
            .object([
                ("run", .string(m.run)), ("name", .string(m.name)), ("spec_hash", .string(m.specHash)),
                ("seed", .int(m.seed)), ("epochs", .int(m.epochs)),
                ("checkpoint", .string(m.checkpoint.rawValue)), ("checkpoint_epoch", .int(m.checkpointEpoch)),
                ("test_views", .string(m.testViews.rawValue)),
                ("test_accuracy", .number(m.accuracy.test)), ("validation_accuracy", .number(m.accuracy.validation)),
                ("train_accuracy", .number(m.accuracy.train)),
                ("trained", .object([
                    ("by", m.trainedBy.map(JSONValue.string) ?? .null),
                    ("started", m.started.map(JSONValue.string) ?? .null),
                    ("wall_seconds", m.wallSeconds.map(JSONValue.number) ?? .null),
                    ("cpu", m.cpu.map(JSONValue.string) ?? .null),
                    ("threads", m.threads.map(JSONValue.int) ?? .null),
                ])),
            ])
        }
        return JSONValue.object([
            ("members", .array(members)),
            ("ensemble_test_accuracy", .number(r.ensemble.test)),
            ("ensemble_validation_accuracy", .number(r.ensemble.validation)),
            ("ensemble_train_accuracy", .number(r.ensemble.train)),
            ("files", .object([
                ("train", .string(trainFile)), ("train-flip", .string(trainFlipFile)), ("test", .string(testFile)),
            ])),
            ("rows", .object([
                ("train", .string("0..<\(r.trainRows)")),
                ("validation", .string("\(r.trainRows)..<\(r.trainRows + r.validationRows)")),
                ("test", .string("0..<\(r.testRows)")),
            ])),
            ("classes", .int(r.classes)),
            ("train_views", .string(TestTimeAugmentation.none.rawValue)),
            ("mimicc", .string(MimicVersion.current)),
            ("created", .string(ISO8601DateFormatter().string(from: Date()))),
        ]).rendered() + "\n"
    }
}

extension TeacherExport {
    /// What `mimicc logits RUN... --out DIR` prints: one line per member, one for the ensemble.
    public static func summary(_ r: Record, directory: String) -> String {
        var lines = r.members.enumerated().map { i, m in
            String(format: "member %d (%@, seed %d, %@ epoch %d): test %.2f%% (%@ views), validation %.2f%%, train %.2f%%",
                   i + 1, m.run, m.seed, m.checkpoint.rawValue, m.checkpointEpoch, 100 * m.accuracy.test, m.testViews.rawValue,
                   100 * m.accuracy.validation, 100 * m.accuracy.train)
        }
        lines.append(String(format: "ensemble of %d: test %.2f%%, validation %.2f%%, train %.2f%%; wrote %@/{%@,%@,%@,%@}",
                            r.members.count, 100 * r.ensemble.test, 100 * r.ensemble.validation, 100 * r.ensemble.train,
                            directory, trainFile, trainFlipFile, testFile, recordFile))
        return lines.joined(separator: "\n") + "\n"
    }
}

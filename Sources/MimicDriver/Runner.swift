import Foundation
import MimicBasics
import MimicBLAS
import MimicData
import MimicSema
import MimicSpec
import MimicTrain
import MimicYAML

/// `mimicc compile-and-run`: checks and compiles a spec, loads its data and teacher, and
/// trains it in a run directory, reporting as it goes.
public enum Runner {
    public struct Options: Sendable {
        public var out: String?
        public var resume: String?
        public var threads: Int?
        public var runsRoot = "runs"
        /// Where a `teacher: {trained: ...}` keeps its members and logits (default
        /// `<runsRoot>/teachers`; a study uses `<results>/teachers`).
        public var teacherCache: String?
        /// `--set PATH=VALUE`: values replaced in the spec before it is hashed, so the run
        /// directory records the spec that actually ran (`train.seed=2` for another member).
        public var settings: [(path: String, text: String)] = []
        /// Stop as if interrupted after this epoch (for tests of resuming).
        public var stopAfterEpoch: Int?
        /// Stop as if a signal came during this step, counted from the start of training (for
        /// tests of resuming mid-epoch).
        public var stopAfterStep: Int?
        /// End after this epoch with the run paused (a search's rung; see `Trainer.Options`).
        public var pauseAfterEpoch: Int?
        /// Score the best checkpoint of a run that diverges after its first epoch.
        public var keepBestOnDivergence = false
        /// Set every parameter to NaN before this step (tests of a diverging run).
        public var poisonParametersAtStep: Int?

        public init() {}
    }

    /// A failure with the exit status it maps to: 1 for problems with the spec or a run that
    /// diverged, 2 when mimicc could not do its job (missing data, unwritable disk), 128 + the
    /// signal's number for a run a signal stopped (130 SIGINT, 143 SIGTERM).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var exitCode: Int32
        public var report: LintReport?
        public var description: String { message }
        /// The run directory, when a run was stopped there and can be resumed.
        public var runDirectory: String?
        /// A run a signal stopped, which resumes where it stopped.
        public var isInterruption: Bool { Interruption.isInterruption(exitCode) }
    }

    public static func run(_ file: String, options: Options, log: @escaping (String) -> Void, isTerminal: Bool) throws(Failure) -> TrainingResult {
        let frontend: FrontendResult
        do { frontend = try Frontend.run(file) } catch {
            throw Failure(message: error.description, exitCode: 2, report: nil)
        }
        var bag = DiagnosticBag()
        bag.add(contentsOf: frontend.diagnostics)
        if let spec = frontend.spec, !spec.isAbstract {
            for section in ["data", "train"] where spec.root[section] == nil {
                bag.error(.missingKey, "compile-and-run needs a '\(section)' section", at: spec.root.location,
                          notes: [DiagnosticNote("see grammar/README.md for '\(section)'")])
            }
        }
        let report = LintReport(files: [file], diagnostics: bag.sorted, unreadable: [])
        guard !bag.hasErrors, let spec = frontend.spec, let analysis = frontend.analysis, spec.data != nil, spec.train != nil
        else {
            throw Failure(message: "", exitCode: 1, report: report)
        }
        if !report.diagnostics.isEmpty { log(LintRenderer.render(report, as: .text).stderr.trimmingCharacters(in: .newlines)) }
        let (changed, changedAnalysis) = try applying(options.settings, to: spec, analysis: analysis, file: file)
        do {
            return try run(spec: changed, analysis: changedAnalysis, options: options, log: log, isTerminal: isTerminal)
        } catch where error.isInterruption {
            var stopped = error
            if let directory = error.runDirectory {
                let settings = options.settings.map { " --set \($0.path)=\($0.text)" }.joined()
                stopped.message += ". Resume with: mimicc compile-and-run \(file)\(settings) --resume \(directory)"
            }
            throw stopped
        }
    }

    /// The spec with each `--set` in place and analysed again. A path the spec does not
    /// write, or a value the spec then rejects, is an error (exit 1), never ignored.
    static func applying(_ settings: [(path: String, text: String)], to spec: Spec, analysis: ModelAnalysis, file: String)
        throws(Failure) -> (Spec, ModelAnalysis)
    {
        guard !settings.isEmpty else { return (spec, analysis) }
        var spec = spec
        for setting in settings {
            let changed = SpecVariant.override([setting], in: spec)
            guard changed.applied == 1 else {
                throw Failure(message: "--set \(setting.path)=\(setting.text): \(file) does not write '\(setting.path)' "
                              + "(only values the spec writes can be replaced, e.g. train.seed=2)", exitCode: 1, report: nil)
            }
            let errors = changed.diagnostics.filter { $0.severity == .error }
            guard errors.isEmpty, let next = changed.spec else {
                throw Failure(message: "", exitCode: 1, report: LintReport(files: [file], diagnostics: errors, unreadable: []))
            }
            spec = next
        }
        guard spec.model != nil else { return (spec, analysis) }
        let analysed = Frontend.analyze(spec)
        let errors = analysed.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let newSpec = analysed.spec, let newAnalysis = analysed.analysis else {
            throw Failure(message: "", exitCode: 1, report: LintReport(files: [file], diagnostics: errors, unreadable: []))
        }
        return (newSpec, newAnalysis)
    }

    /// Trains a spec that has passed the front end (a study's trial is one such spec, built
    /// in memory with its searched values in place).
    public static func run(spec: Spec, analysis: ModelAnalysis, options: Options, log: @escaping (String) -> Void,
                           isTerminal: Bool) throws(Failure) -> TrainingResult {
        var spec = spec
        guard let dataConfig = spec.data, let train = spec.train else {
            throw Failure(message: "\(spec.file): compile-and-run needs 'data' and 'train' sections", exitCode: 1, report: nil)
        }
        if case .trained(let teacher, let members)? = spec.teacher, train.loss.needsTeacher {
            let threads = options.threads ?? train.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let resolved = try TeacherCache.resolve(teacher.value, members: members, root: options.teacherCache ?? options.runsRoot + "/teachers",
                                                    threads: threads, log: log)
            spec = try substituting(resolved.directory, in: spec)
        }
        let file = spec.file

        let data: TrainingData
        do { data = try loadData(spec, dataConfig, classes: analysis.model.classes, needsTeacher: train.loss.needsTeacher) } catch {
            throw Failure(message: "\(error)", exitCode: 2, report: nil)
        }

        let canonical = CanonicalSpec.json(spec.root)
        let hash = SHA256.hash(Array(canonical.utf8))
        // Known once opened, so that a run stopped by a signal can say where it resumes.
        var opened: RunDirectory?
        var checkpoint: Checkpoint?
        do {
            let directory: RunDirectory
            if let resume = options.resume {
                directory = RunDirectory(path: resume)
                guard let recorded = try? String(contentsOfFile: directory.hashFile, encoding: .utf8) else {
                    throw DataError("'\(resume)' is not a run directory (no spec.sha256)")
                }
                guard recorded.trimmingCharacters(in: .whitespacesAndNewlines) == SHA256.hexString(hash) else {
                    throw DataError("'\(resume)' was started from a different spec (its hash differs from \(file)'s)",
                                    hint: "resume only with the spec (and --set values) the run was started with; start a new run for a changed spec")
                }
                checkpoint = try resumePoint(directory, hash: hash, log: log)
            } else {
                directory = try options.out.map { try RunDirectory.create(at: $0) }
                    ?? RunDirectory.create(root: options.runsRoot, name: spec.name)
                try directory.write(canonical + "\n", to: directory.specFile)
                try directory.write(SHA256.hexString(hash) + "\n", to: directory.hashFile)
            }
            opened = directory
            let threads = options.threads ?? train.threads ?? ProcessInfo.processInfo.activeProcessorCount
            try directory.write(provenance(spec, threads: threads, hash: hash, earlier: directory.provenanceFile),
                                to: directory.provenanceFile)
            log("run directory: \(directory.path)")
            var trainerOptions = Trainer.Options(threads: threads)
            trainerOptions.isTerminal = isTerminal
            trainerOptions.stopAfterEpoch = options.stopAfterEpoch
            trainerOptions.stopAfterStep = options.stopAfterStep
            trainerOptions.pauseAfterEpoch = options.pauseAfterEpoch
            trainerOptions.keepBestOnDivergence = options.keepBestOnDivergence
            trainerOptions.poisonParametersAtStep = options.poisonParametersAtStep
            let trainer = try Trainer(spec: spec, analysis: analysis, specHash: hash, data: data, directory: directory,
                                      options: trainerOptions, log: log)
            return try trainer.run(resume: checkpoint)
        } catch let error as TrainingError {
            throw Failure(message: error.message, exitCode: error.exitCode, report: nil, runDirectory: opened?.path)
        } catch {
            throw Failure(message: "\(error)", exitCode: 2, report: nil)
        }
    }

    /// The spec with its trained teacher replaced by the exported logits in `export`.
    public static func substituting(_ export: String, in spec: Spec) throws(Failure) -> Spec {
        let (substituted, diagnostics) = TeacherCache.substitute(export, in: spec)
        guard let substituted else {
            throw Failure(message: "", exitCode: 1, report: LintReport(files: [spec.file], diagnostics: diagnostics, unreadable: []))
        }
        return substituted
    }

    /// Where a run resumes: the mid-epoch checkpoint a signal left, if it continues the last
    /// epoch's checkpoint (one written before that epoch ended is out of date), else the last
    /// epoch's; nil for a run that finished no epoch and saved nothing.
    static func resumePoint(_ directory: RunDirectory, hash: [UInt8], log: (String) -> Void) throws -> Checkpoint? {
        let files = FileManager.default
        let last = files.fileExists(atPath: directory.lastCheckpoint)
            ? try Checkpoint.read(directory.lastCheckpoint, expectedHash: hash) : nil
        guard files.fileExists(atPath: directory.interruptedCheckpoint) else { return last }
        let stopped = try Checkpoint.read(directory.interruptedCheckpoint, expectedHash: hash)
        guard stopped.epoch == (last?.epoch ?? 0) else {
            log("\(directory.interruptedCheckpoint) is older than the last epoch's checkpoint; resuming from the latter")
            return last
        }
        return stopped
    }

    public static func installInterruptHandler() { Interruption.install() }

    /// The exit status of a run or study a signal stopped: 130 for SIGINT, 143 for SIGTERM.
    public static var interruptionStatus: Int32 { Interruption.exitStatus }

    /// The line `compile-and-run` prints on standard output when a run ends.
    /// The test accuracy names its epoch when it is not the best one (`train.tested: last`),
    /// and its views with the accuracy without them (`train.tta`).
    public static func summary(_ r: TrainingResult) -> String {
        var tested = r.testedEpoch.map { $0 == r.bestEpoch ? "" : " (epoch \($0))" } ?? ""
        if let views = r.testViews, let plain = r.testAccuracyWithoutViews {
            tested += String(format: " with %@ views (%.2f%% without)", views, 100 * plain)
        }
        return String(format: "%@: best validation accuracy %.2f%% (epoch %d), test accuracy %.2f%%%@, %d parameters, %.1f s, stopped by %@\n",
                      r.name, 100 * r.bestValidationAccuracy, r.bestEpoch, 100 * r.testAccuracy, tested, r.parameters,
                      r.wallSeconds, r.stoppedBy)
    }

    static func loadData(_ spec: Spec, _ config: DataConfig, classes: Int, needsTeacher: Bool) throws -> TrainingData {
        let (splits, records) = try DataSource.splits(config)
        for (name, set) in [("training", splits.train), ("validation", splits.validation), ("test", splits.test)] {
            if let top = set.labels.max(), Int(top) >= classes {
                throw DataError("the \(name) images have label \(top), but the model has \(classes) classes (0-\(classes - 1))",
                                hint: "set model.classes to the data's number of classes, or leave it out to take it from the labels")
            }
            guard [set.channels, set.height, set.width] == spec.model?.input ?? [] else {
                throw DataError("the \(name) images are \(set.channels)x\(set.height)x\(set.width), but model.input is \(spec.model?.input ?? [])")
            }
        }
        guard needsTeacher else {
            return TrainingData(splits: splits, classes: classes, teacherTrain: nil, teacherTrainFlipped: nil)
        }
        if case .ensemble(let runs)? = spec.teacher {
            var data = TrainingData(splits: splits, classes: classes, teacherTrain: nil, teacherTrainFlipped: nil)
            data.ensemble = runs.map(\.value)
            return data
        }
        guard case .logits(let trainFile, let testFile, let flippedFile)? = spec.teacher else {
            throw DataError("this loss needs a teacher")
        }
        func rows(_ file: Located<String>, expected: Int) throws -> [Float] {
            let matrix = try NumpyArray.readMatrix(file.value)
            guard matrix.columns == classes else {
                throw DataError("\(file.location): teacher logits '\(file.value)' have \(matrix.columns) classes; the model has \(classes)")
            }
            guard matrix.rows == expected else {
                throw DataError("\(file.location): teacher logits '\(file.value)' have \(matrix.rows) rows; the data set has \(expected) images",
                                hint: "logits are one row per image, in the record order of the data files")
            }
            return matrix.values
        }
        let all = try rows(trainFile, expected: records)
        _ = try rows(testFile, expected: splits.test.count)
        let flipped = try flippedFile.map { try rows($0, expected: records) }
        func slice(_ values: [Float], _ offset: Int, _ count: Int) -> [Float] {
            Array(values[(offset * classes)..<((offset + count) * classes)])
        }
        return TrainingData(
            splits: splits, classes: classes,
            teacherTrain: slice(all, splits.trainOffset, splits.train.count),
            teacherTrainFlipped: flipped.map { slice($0, splits.trainOffset, splits.train.count) })
    }

    /// Where and how this attempt runs. A resumed run counts its attempts and keeps the first
    /// attempt's start (from the `earlier` provenance file, if there is one), so a run
    /// preempted and requeued on other machines still says when it began.
    static func provenance(_ spec: Spec, threads: Int, hash: [UInt8], earlier: String? = nil) -> String {
        let previous = earlier.flatMap { FileManager.default.contents(atPath: $0) }
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        let started = ISO8601DateFormatter().string(from: Date())
        let environment = ProcessInfo.processInfo.environment
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }
            .map { $0.split(separator: " ").filter { $0.hasPrefix("avx") || $0.hasPrefix("fma") }.joined(separator: " ") } ?? ""
        return JSONValue.object([
            ("mimicc", .string(MimicVersion.current)),
            ("spec", .string(spec.file)),
            ("specHash", .string(SHA256.hexString(hash))),
            ("seed", .int(spec.train?.seed ?? 0)),
            ("threads", .int(threads)),
            ("blas", .string(BLAS.configuration)),
            ("cpu", .string(cpu)),
            ("cpuFlags", .string(flags)),
            ("OPENBLAS_CORETYPE", environment["OPENBLAS_CORETYPE"].map(JSONValue.string) ?? .null),
            ("OPENBLAS_L2_SIZE", environment["OPENBLAS_L2_SIZE"].map(JSONValue.string) ?? .null),
            ("started", .string(started)),
            ("attempt", .int(((previous?["attempt"] as? Int) ?? (previous == nil ? 0 : 1)) + 1)),
            ("firstStarted", .string((previous?["firstStarted"] as? String) ?? (previous?["started"] as? String) ?? started)),
        ]).rendered() + "\n"
    }
}

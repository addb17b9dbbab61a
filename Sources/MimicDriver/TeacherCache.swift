import Foundation
import MimicBasics
import MimicSema
import MimicSpec
import MimicTrain
import MimicYAML
#if canImport(Glibc)
import Glibc
#endif

/// `teacher: {trained: {spec: FILE, members: N}}`: the teacher spec trained with seeds 1...N
/// and the members' logits exported once (`TeacherExport`), kept under a cache directory
/// (a study's `<results>/teachers`, compile-and-run's `<runs>/teachers`):
///
///     <root>/<teacher name>-<hash>/member-K/    a run directory per member
///     <root>/<teacher name>-<hash>/logits-xN/   the export: train, train-flip, test, teacher.json
///
/// `<hash>` is the teacher spec's content hash, so an edited teacher is trained anew and an
/// unchanged one is found, however many students and studies use it. A member another
/// process is training is waited for (a lock file per member), so shards that need the same
/// teacher train it once; a killed member resumes from its checkpoint.
public enum TeacherCache {
    /// The teacher's logits for a student, training and exporting whatever is missing.
    public struct Resolved: Sendable {
        /// The export directory (its `teacher.json` lists the members).
        public var directory: String
        public var teacherHash: String
        /// Members trained by this call (0 when everything was cached).
        public var trained: Int
        public var ensembleTestAccuracy: Double?
    }

    /// The content hash of the teacher spec at `file` (what its cache directory is named by).
    public static func hash(of file: String) throws(Runner.Failure) -> String { CanonicalSpec.hex(try load(file).0) }

    /// Where the teacher of `spec` lives under `root`.
    static func location(of spec: Spec, members: Int, root: String) -> (base: String, export: String, hash: String) {
        let hash = CanonicalSpec.hex(spec)
        let base = root + "/" + spec.name + "-" + hash.prefix(12)
        return (base, base + "/logits-x\(members)", hash)
    }

    /// The export directory of the teacher of `file` under `root`, whether or not it exists yet.
    public static func exportDirectory(of file: String, members: Int, root: String) throws(Runner.Failure) -> String {
        location(of: try load(file).0, members: members, root: root).export
    }

    public static func resolve(_ file: String, members: Int, root: String, threads: Int,
                               log: @escaping (String) -> Void) throws(Runner.Failure) -> Resolved {
        let (spec, _) = try load(file)
        let (base, export, hash) = location(of: spec, members: members, root: root)
        let runs = (1...members).map { base + "/member-\($0)" }
        if let cached = cachedExport(export, members: runs) {
            return Resolved(directory: export, teacherHash: hash, trained: 0, ensembleTestAccuracy: cached)
        }
        var trained = 0
        for (index, run) in runs.enumerated() {
            let (member, analysis) = try memberSpec(spec, seed: index + 1, file: file)
            if try trainMember(member, analysis: analysis, run: run, threads: threads,
                               label: "teacher \(spec.name) member \(index + 1)/\(members)", log: log) {
                trained += 1
            }
        }
        log("teacher \(spec.name): exporting the logits of \(members) member(s) to \(export)")
        let record: TeacherExport.Record
        do {
            record = try TeacherExport.export(runs: runs, to: export, threads: threads, log: { log("  " + $0) })
        } catch {
            throw Runner.Failure(message: "exporting the teacher's logits to \(export): \(error)", exitCode: 2, report: nil)
        }
        log(String(format: "teacher %@: %d member(s), ensemble test accuracy %.2f%%", spec.name, members,
                   100 * record.ensemble.test))
        return Resolved(directory: export, teacherHash: hash, trained: trained, ensembleTestAccuracy: record.ensemble.test)
    }

    /// The student's spec with its trained teacher replaced by the exported logits, lowered
    /// again: its hash (and run directory) then names the very files it mimics.
    public static func substitute(_ export: String, in spec: Spec) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        guard case .trained(let file, _)? = spec.teacher, let teacher = spec.root["teacher"] else { return (spec, []) }
        let at = file.location
        func entry(_ key: String, _ name: String) -> MappingEntry {
            MappingEntry(key: .scalar(key, at: at), value: .scalar(export + "/" + name, at: at))
        }
        let logits = Node(.mapping([entry("train", TeacherExport.trainFile), entry("train-flip", TeacherExport.trainFlipFile),
                                    entry("test", TeacherExport.testFile)]), at: at)
        let replaced = Node(.mapping([MappingEntry(key: .scalar("logits", at: at), value: logits)]), at: teacher.location)
        var entries = spec.root.mapping ?? []
        if let i = entries.firstIndex(where: { $0.name == "teacher" }) { entries[i].value = replaced }
        return SpecLowering.lower(Node(.mapping(entries), at: spec.root.location), file: spec.file)
    }

    static func load(_ file: String) throws(Runner.Failure) -> (Spec, ModelAnalysis) {
        let result: FrontendResult
        do { result = try Frontend.run(file) } catch {
            throw Runner.Failure(message: "teacher spec: \(error.description)", exitCode: 2, report: nil)
        }
        guard let spec = result.spec, let analysis = result.analysis, spec.train != nil, spec.data != nil else {
            let report = LintReport(files: [file], diagnostics: result.diagnostics.filter { $0.severity == .error }, unreadable: [])
            throw Runner.Failure(message: report.diagnostics.isEmpty ? "teacher spec \(file) needs 'data' and 'train'" : "",
                                 exitCode: 1, report: report.diagnostics.isEmpty ? nil : report)
        }
        if case .trained? = spec.teacher {
            throw Runner.Failure(message: "teacher spec \(file) has a trained teacher itself; a teacher must learn from labels or logits",
                                 exitCode: 1, report: nil)
        }
        return (spec, analysis)
    }

    static func memberSpec(_ spec: Spec, seed: Int, file: String) throws(Runner.Failure) -> (Spec, ModelAnalysis) {
        let (member, diagnostics) = SpecVariant.apply([], seed: seed, to: spec)
        guard let member, let model = member.model, let analysis = ModelAnalysis.analyze(model).analysis else {
            throw Runner.Failure(message: "", exitCode: 1, report: LintReport(files: [file], diagnostics: diagnostics, unreadable: []))
        }
        return (member, analysis)
    }

    /// The ensemble test accuracy of an export that is complete and made from these runs.
    static func cachedExport(_ export: String, members runs: [String]) -> Double?? {
        guard let data = FileManager.default.contents(atPath: export + "/" + TeacherExport.recordFile),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let members = record["members"] as? [[String: Any]],
              members.compactMap({ $0["run"] as? String }) == runs
        else { return nil }
        return .some(record["ensemble_test_accuracy"] as? Double)
    }

    /// Trains one member unless it is done; true if this call trained it. Holds the member's
    /// lock file meanwhile, so another process wanting the same member waits, then finds it done.
    static func trainMember(_ spec: Spec, analysis: ModelAnalysis, run: String, threads: Int, label: String,
                            log: @escaping (String) -> Void) throws(Runner.Failure) -> Bool {
        let lockPath = run + ".lock"
        do {
            try FileManager.default.createDirectory(atPath: (run as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw Runner.Failure(message: "cannot create the teacher cache for \(run): \(error.localizedDescription)", exitCode: 2, report: nil)
        }
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw Runner.Failure(message: "cannot open \(lockPath): \(String(cString: strerror(errno)))", exitCode: 2, report: nil) }
        defer { close(fd) }
        if lockf(fd, F_TLOCK, 0) != 0 {
            log("\(label): another process is training it; waiting for \(run)")
            guard lockf(fd, F_LOCK, 0) == 0 else {
                throw Runner.Failure(message: "cannot lock \(lockPath): \(String(cString: strerror(errno)))", exitCode: 2, report: nil)
            }
        }
        defer { _ = lockf(fd, F_ULOCK, 0) }
        let directory = RunDirectory(path: run)
        if let data = FileManager.default.contents(atPath: directory.resultFile),
           let result = try? JSONDecoder().decode(TrainingResult.self, from: data), !result.isPaused,
           result.specHash == CanonicalSpec.hex(spec) {
            return false
        }
        log("\(label): training -> \(run)")
        var options = Runner.Options()
        options.threads = threads
        let result = try Runner.train(spec, analysis: analysis, in: run, options: options, log: { log("  " + $0) })
        log(String(format: "%@: validation %.2f%%, test %.2f%%, %.0f s", label, 100 * result.bestValidationAccuracy,
                   100 * result.testAccuracy, result.wallSeconds))
        return true
    }
}

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
        public var ensembleTestAccuracy: Double?
    }

    /// The content hash of the teacher spec at `file` (what its cache directory is named by).
    public static func hash(of file: String) throws(Runner.Failure) -> String { CanonicalSpec.hex(try load(file).0) }

    /// A teacher spec, its members' specs (seeds 1 ... members) and where they live under `root`.
    struct TrainedTeacher {
        let spec: Spec
        let members: [(Spec, ModelAnalysis)]
        let runs: [String]
        let export: String

        init(_ file: String, members count: Int, root: String) throws(Runner.Failure) {
            spec = try load(file).0
            var members: [(Spec, ModelAnalysis)] = []
            for seed in 1...count { members.append(try memberSpec(spec, seed: seed, file: file)) }
            self.members = members
            let base = root + "/" + spec.name + "-" + CanonicalSpec.hex(spec).prefix(12)
            runs = (1...count).map { base + "/member-\($0)" }
            export = base + "/logits-x\(count)"
        }

        /// The export, if it is complete and made from these members.
        var cached: Resolved? {
            cachedExport(export, memberHashes: members.map { CanonicalSpec.hex($0.0) }).map {
                Resolved(directory: export, ensembleTestAccuracy: $0)
            }
        }
    }

    /// The teacher of `file` as already exported under `root`, or nil if it is not (yet).
    public static func cached(_ file: String, members: Int, root: String) throws(Runner.Failure) -> Resolved? {
        try TrainedTeacher(file, members: members, root: root).cached
    }

    public static func resolve(_ file: String, members: Int, root: String, threads: Int,
                               log: @escaping (String) -> Void) throws(Runner.Failure) -> Resolved {
        let teacher = try TrainedTeacher(file, members: members, root: root)
        if let cached = teacher.cached { return cached }
        let (spec, export, runs) = (teacher.spec, teacher.export, teacher.runs)
        for (index, (member, analysis)) in teacher.members.enumerated() {
            try trainMember(member, analysis: analysis, run: runs[index], threads: threads,
                            label: "teacher \(spec.name) member \(index + 1)/\(members)", log: log)
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
        return Resolved(directory: export, ensembleTestAccuracy: record.ensemble.test)
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
        let (lowered, diagnostics) = SpecVariant.apply([], seed: seed, to: spec)
        let analysed = lowered.map { Frontend.analyze($0) }
        guard let member = analysed?.spec, member.model != nil, let analysis = analysed?.analysis else {
            throw Runner.Failure(message: "", exitCode: 1,
                                 report: LintReport(files: [file], diagnostics: diagnostics + (analysed?.diagnostics ?? []), unreadable: []))
        }
        return (member, analysis)
    }

    /// The ensemble test accuracy of an export that is complete and made from these runs.
    /// The ensemble test accuracy of an export that is complete (`teacher.json` is written
    /// last) and made from members of these spec hashes, in seed order. The members are
    /// known by their specs, not by the paths they were trained at, so a cache reached through
    /// another spelling of its directory is still found.
    static func cachedExport(_ export: String, memberHashes: [String]) -> Double?? {
        guard let data = FileManager.default.contents(atPath: export + "/" + TeacherExport.recordFile),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let members = record["members"] as? [[String: Any]],
              members.compactMap({ $0["spec_hash"] as? String }) == memberHashes
        else { return nil }
        return .some(record["ensemble_test_accuracy"] as? Double)
    }

    /// Trains one member unless it is done. Holds the member's lock file meanwhile, so another
    /// process wanting the same member waits, then finds it done.
    static func trainMember(_ spec: Spec, analysis: ModelAnalysis, run: String, threads: Int, label: String,
                            log: @escaping (String) -> Void) throws(Runner.Failure) {
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
            return
        }
        log("\(label): training -> \(run)")
        var options = Runner.Options()
        options.threads = threads
        let result = try Runner.train(spec, analysis: analysis, in: run, options: options, log: { log("  " + $0) })
        log(String(format: "%@: validation %.2f%%, test %.2f%%, %.0f s", label, 100 * result.bestValidationAccuracy,
                   100 * result.testAccuracy, result.wallSeconds))
    }
}

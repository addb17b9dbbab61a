/// MimicStudy runs a directory of specs as a study: plans (lint, dedup, filters, shards,
/// cost), trials through the search and the results store, and the report (tables, the
/// figure, HTML).

import MimicBasics
import MimicDriver
import MimicSearch
import MimicSema
import MimicSpec
import MimicYAML

/// The experiments of a study directory: every spec under it that is not abstract, linted
/// first (one error anywhere stops the plan before any training), deduplicated by content
/// hash, filtered and, with `--shard`, cut to one machine's slice.
public struct StudyPlan: Sendable {
    public var directory: String
    public var experiments: [Experiment]
    /// Files skipped because an earlier file resolved to the same spec: (skipped, kept).
    public var duplicates: [(String, String)]

    /// A preset the plan applies (`--preset`).
    public typealias Preset = SpecPreset

    /// The lint report that stopped a plan.
    public struct LintFailure: Error {
        public var report: LintReport
    }

    /// Plans the study, or returns the lint report when any spec has errors.
    /// `presets` (`--preset cpu`, in order) patch every spec, then `overrides` (`--set
    /// train.epochs=8`) replace values in every spec that writes them, before hashing: a
    /// preset or overridden study is a different set of experiments.
    public static func make(directory: String, filters: [StudyFilter] = [], presets: [SpecPreset] = [],
                            overrides: [StudyOverride] = [], strict: Bool = false) -> Result<StudyPlan, LintFailure> {
        let loader = SpecLoader()
        let report = Linter.lint([directory], strict: strict, loader: loader)
        guard report.exitCode == 0 else { return .failure(LintFailure(report: report)) }
        var experiments: [Experiment] = []
        var duplicates: [(String, String)] = []
        var seen: [String: String] = [:]
        var overrideErrors: [Diagnostic] = []
        var teacherHashes: [String: String] = [:]  // every student of a teacher reads its spec once
        files: for file in report.files where !SpecPreset.isPreset(file) {
            guard let result = try? Frontend.run(file, loader: loader), var spec = result.spec, !spec.isAbstract,
                var analysis = result.analysis
            else { continue }
            for preset in presets {
                let patched = preset.apply(to: spec, family: spec.study?.family ?? spec.name)
                let model = patched.spec.map { Frontend.analyze($0) }
                let errors = (patched.diagnostics + (model?.diagnostics ?? [])).filter { $0.severity == .error }
                guard errors.isEmpty, let newSpec = model?.spec, let newAnalysis = model?.analysis else {
                    overrideErrors += errors
                    continue files
                }
                spec = newSpec
                analysis = newAnalysis
            }
            if !overrides.isEmpty {
                let changed = SpecVariant.override(overrides.map { ($0.path, $0.value) }, in: spec)
                let model = changed.spec.map { Frontend.analyze($0) }
                let diagnostics = changed.diagnostics + (model?.diagnostics ?? [])
                if diagnostics.contains(where: { $0.severity == .error }) {
                    overrideErrors += diagnostics.filter { $0.severity == .error }
                    continue
                }
                guard let newSpec = model?.spec, let newAnalysis = model?.analysis else { continue }
                spec = newSpec
                analysis = newAnalysis
            }
            var hash = Self.contentHash(spec)
            if case .trained(let teacher, let members)? = spec.teacher {
                // The teacher's content is part of the experiment: an edited teacher spec is
                // a new teacher, so its students are new experiments too.
                do throws(Runner.Failure) {
                    let teacherHash: String
                    if let known = teacherHashes[teacher.value] { teacherHash = known } else {
                        teacherHash = try TeacherCache.hash(of: teacher.value)
                        teacherHashes[teacher.value] = teacherHash
                    }
                    hash = SHA256.hexString(SHA256.hash(Array("\(hash) teacher \(teacherHash) x\(members)".utf8)))
                } catch {
                    overrideErrors += error.report?.diagnostics ?? [.error(.missingKey, "teacher.trained.spec: \(error.message)",
                                                                          at: teacher.location)]
                    continue
                }
            }
            if let first = seen[hash] {
                duplicates.append((file, first))
                continue
            }
            seen[hash] = file
            let trials = spec.search.map {
                Proposer(method: $0.method, space: SearchSpace($0.space), seed: $0.seed).trialLimit($0.trials)
            } ?? 1
            let schedule = RungSchedule(trials: trials, epochs: spec.train?.epochs ?? 1, fidelity: spec.search?.fidelity)
            let experiment = Experiment(
                file: file, spec: spec, analysis: analysis, hash: hash, family: spec.study?.family ?? spec.name,
                role: spec.study?.role ?? .student, budget: spec.model?.budget?.params, schedule: schedule)
            if StudyFilter.keep(experiment, filters) { experiments.append(experiment) }
        }
        if !overrideErrors.isEmpty {
            return .failure(LintFailure(report: LintReport(files: report.files, diagnostics: overrideErrors, unreadable: [])))
        }
        return .success(StudyPlan(directory: directory, experiments: experiments, duplicates: duplicates))
    }

    /// The distinct trained teachers (`teacher: {trained: ...}`) of the plan's experiments, in
    /// plan order.
    public var trainedTeachers: [(file: String, members: Int)] {
        var seen: [(file: String, members: Int)] = []
        for e in experiments {
            if case .trained(let file, let members)? = e.spec.teacher, !seen.contains(where: { $0 == (file.value, members) }) {
                seen.append((file.value, members))
            }
        }
        return seen
    }

    /// The hash of the resolved spec with its name written out, so that a file that only
    /// names itself what its file name already says is the same experiment.
    static func contentHash(_ spec: Spec) -> String {
        var entries = (spec.root.mapping ?? []).filter { $0.name != "name" }
        entries.insert(MappingEntry(key: .scalar("name", at: spec.root.location), value: .scalar(spec.name, at: spec.root.location)),
                       at: 0)
        return CanonicalSpec.hex(Node(.mapping(entries), at: spec.root.location))
    }

    /// Shard `index` (1-based) of `count`: experiments are dealt, most expensive first, to
    /// whichever shard has the least work so far, so shards finish at about the same time.
    /// The deal depends only on the plan, so every machine computes the same partition.
    public func shard(_ index: Int, of count: Int) -> StudyPlan {
        var loads = [Double](repeating: 0, count: count)
        var assigned = [[Experiment]](repeating: [], count: count)
        let ordered = experiments.sorted { ($0.trainingFlops, $1.hash) > ($1.trainingFlops, $0.hash) }
        for e in ordered {
            let target = loads.indices.min { (loads[$0], $0) < (loads[$1], $1) }!
            loads[target] += max(e.trainingFlops, 1)
            assigned[target].append(e)
        }
        let mine = Set(assigned[index - 1].map(\.hash))
        var copy = self
        copy.experiments = experiments.filter { mine.contains($0.hash) }
        return copy
    }
}

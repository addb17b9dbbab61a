import ArgumentParser
import Foundation
import MimicDriver
import MimicStore
import MimicStudy

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run a directory of specs as one study and report it as the paper's table and figure.",
        discussion: """
            A study is a directory of specs (see specs/urban2017/README.md). Each spec that is \
            not abstract is an experiment: its search's trials, or one run without a search. \
            Results go to one SQLite database per study (--results DIR/study.sqlite), and each \
            trial's run directory to --results DIR/runs/<name>-<spec hash>/trial-NNN.
            """,
        subcommands: [StudyRun.self, StudyReportCommand.self, StudyMerge.self])
}

/// Options every study command shares: where the results live.
struct StudyLocation: ParsableArguments {
    @Option(help: "Results directory (default: results/<name of the study directory>).")
    var results: String?

    @Option(help: "Results database (default: <results>/study.sqlite); a shard may write its own and merge later.")
    var db: String?

    func resultsDirectory(for study: String) -> String {
        results ?? "results/" + (URL(fileURLWithPath: study).standardizedFileURL.lastPathComponent)
    }

    func database(for study: String) -> String { db ?? resultsDirectory(for: study) + "/study.sqlite" }
}

/// Which experiments of the study a command works on: the directory, filters and overrides.
struct StudySelection: ParsableArguments {
    @Argument(help: "The study directory.")
    var directory: String

    @Option(name: .customLong("filter"), help: "KEY=VALUE: keep experiments by budget, family, role or name.")
    var filters: [String] = []

    @Option(name: .customLong("set"),
            help: "PATH=VALUE: replace a value in every spec that writes it (train.epochs=8); report needs the run's.")
    var overrides: [String] = []

    @Option(name: .customLong("preset"),
            help: ArgumentHelp("Patch every spec with DIR/presets/NAME.yaml (repeatable, in order, before --set); report needs the run's.",
                               valueName: "NAME"))
    var presets: [String] = []

    func validate() throws {
        _ = try parseFilters(filters)
        _ = try parseOverrides(overrides)
        for preset in presets where !FileManager.default.fileExists(atPath: StudyPreset.path(preset, in: directory)) {
            let available = StudyPreset.available(in: directory)
            throw ValidationError("no preset '\(preset)': \(StudyPreset.path(preset, in: directory)) does not exist; "
                                  + (available.isEmpty ? "\(directory) has no presets/ directory"
                                                       : "available: " + available.joined(separator: ", ")))
        }
    }

    /// The plan, or every lint error printed and exit 1.
    func plan() throws -> StudyPlan {
        try planStudy(directory, filters: try parseFilters(filters), presets: try presets.map(loadPreset),
                      overrides: try parseOverrides(overrides))
    }

    /// A preset named by --preset, or its errors printed and exit 1 (2 if unreadable).
    func loadPreset(_ preset: String) throws -> StudyPlan.Preset {
        let loaded: Result<StudyPlan.Preset, StudyPlan.LintFailure>
        do { loaded = try StudyPreset.load(preset, in: directory) } catch {
            printError("mimicc: error: \(error.message)\n")
            throw ExitCode(2)
        }
        switch loaded {
        case .success(let value): return value
        case .failure(let failure):
            printError(LintRenderer.render(failure.report, as: .text, excerpts: FileStream.standardErrorIsTerminal).stderr)
            printError("mimicc: error: preset '\(preset)' has errors; nothing was run\n")
            throw ExitCode(1)
        }
    }
}

func parseFilters(_ texts: [String]) throws -> [StudyFilter] {
    try texts.map { text in
        switch StudyFilter.parse(text) {
        case .success(let f): return f
        case .failure(let e): throw ValidationError(e.message)
        }
    }
}

/// Plans the study or prints every lint error and exits 1.
func parseOverrides(_ texts: [String]) throws -> [StudyOverride] {
    try texts.map { text in
        switch StudyOverride.parse(text) {
        case .success(let o): return o
        case .failure(let e): throw ValidationError(e.message)
        }
    }
}

func planStudy(_ directory: String, filters: [StudyFilter], presets: [StudyPlan.Preset] = [], overrides: [StudyOverride]) throws -> StudyPlan {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        printError("mimicc: error: no such directory '\(directory)'" + (FileManager.default.fileExists(atPath: directory)
            ? " (it is a file; a study is a directory of specs)\n" : "\n"))
        throw ExitCode(2)
    }
    switch StudyPlan.make(directory: directory, filters: filters, presets: presets, overrides: overrides) {
    case .success(let plan): return plan
    case .failure(let failure):
        let report = failure.report
        printError(LintRenderer.render(report, as: .text, excerpts: FileStream.standardErrorIsTerminal).stderr)
        printError("mimicc: error: the study's specs have errors; nothing was run\n")
        throw ExitCode(report.exitCode)
    }
}

/// A store to read (a dry run's, a report's, a merge's source), never created or upgraded:
/// reading a study leaves its files as they were.
func readStore(_ path: String) throws -> ResultsStore {
    do { return try ResultsStore(readingOnly: path) } catch {
        printError("mimicc: error: results store '\(path)': \(error)\n")
        throw ExitCode(2)
    }
}

func openStore(_ path: String) throws -> ResultsStore {
    do {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        return try ResultsStore(path: path)
    } catch {
        printError("mimicc: error: results store '\(path)': \(error)\nhint: a full disk or a read-only directory?\n")
        throw ExitCode(2)
    }
}

struct StudyRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan and run every trial of a study directory.",
        discussion: """
            Lints every spec under DIR first: one error anywhere stops the study before any \
            training. Prints the plan (one line per experiment, with trials already done and a \
            time estimate from a short throughput probe), then runs the trials that are not \
            finished. A trial that fails (diverged, impossible budget, bad data) is recorded \
            with its reason and the search goes on. Ctrl-C or SIGTERM (a scheduler's preemption, \
            scancel, time limit or eviction) stops after the current step, saves the trial \
            mid-epoch and records it as interrupted; a second signal exits at once. Run the \
            same command again to resume: finished trials are kept, the interrupted one \
            continues from the step where it stopped, to the same result as if it never had, and \
            the search proposes the same next trials. Results do not depend on --threads.

            A search with 'fidelity' (successive halving, Hyperband) trains every trial to its \
            first rung and continues only the best, from their checkpoints; the plan counts \
            its epochs and the runs to each rung. --preset NAME patches every spec with \
            DIR/presets/NAME.yaml before any --set; repeat it to combine presets, applied in \
            order (give 'study report' the same flags). A student whose teacher is \
            'trained: {spec, members}' waits for that teacher: its members are trained (or \
            found) in <results>/teachers and their logits exported once, and shards that need \
            the same member take turns on a lock file instead of training it twice.

            --filter KEY=VALUE keeps experiments by budget (1M, 3.16M), family (CNN-2), role \
            (student, baseline, teacher) or name; repeat a key for alternatives. --shard I/N \
            runs a deterministic slice (I from 1 to N) balanced by estimated cost, so a \
            scheduler can spread a study over N machines (examples/slurm, examples/kubernetes); \
            combine their databases with 'mimicc study merge'. Exit status: 0 done, 1 errors \
            in the specs, 2 the results store or data could not be used, 130 stopped by SIGINT, \
            143 by SIGTERM.
            """)

    @OptionGroup var selection: StudySelection

    @Option(help: "Experiments to train at once; the cores are split between them.")
    var jobs = 1

    @Option(help: "Run only slice I of N (1 <= I <= N).")
    var shard: String?

    @Flag(help: "Print the plan and the time estimate, train nothing.")
    var dryRun = false

    @Flag(help: "After the trials, write and print the report as 'study report' does.")
    var report = false

    @Flag(help: "Skip the throughput probe (no time estimate).")
    var noProbe = false

    @Option(help: "Threads in all (default: all cores).")
    var threads: Int?

    @OptionGroup var location: StudyLocation

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try shardParts()
    }

    func shardParts() throws -> (Int, Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
            throw ValidationError("--shard must be I/N with 1 <= I <= N, e.g. 2/8; found '\(shard)'")
        }
        return (parts[0], parts[1])
    }

    func run() throws {
        useTheFastestBLASKernel()
        var plan = try selection.plan()
        let directory = selection.directory
        if let (index, count) = try shardParts() { plan = plan.shard(index, of: count) }
        let results = location.resultsDirectory(for: directory)
        let path = location.database(for: directory)
        // A dry run only reads what a store already holds; a real run creates it.
        let store = dryRun ? (FileManager.default.fileExists(atPath: path) ? try readStore(path) : nil) : try openStore(path)
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let estimate = noProbe ? nil : CostEstimate.probe(plan, threads: threads)
        let trials: [TrialRecord]
        do { trials = try store?.allTrials() ?? [] } catch {
            printError("mimicc: error: results store '\(path)': \(error)\n")
            throw ExitCode(2)
        }
        FileStream.standardOutput.write(PlanRenderer.render(plan, trials: trials, estimate: estimate, jobs: jobs,
                                                            teachers: results + "/teachers"))
        guard !dryRun, let store else { return }
        var runner = StudyRunner(storePath: store.path, runsDirectory: results + "/runs")
        runner.teachersDirectory = results + "/teachers"
        runner.jobs = jobs
        runner.threads = threads
        MimicDriver.Runner.installInterruptHandler()
        let summary: StudyRunner.Summary
        do {
            summary = try runner.run(plan, executor: TrainingExecutor(), log: { printError($0 + "\n") })
        } catch {
            printError("mimicc: error: \(error.message)\n")
            throw ExitCode(2)
        }
        FileStream.standardOutput.write(
            "study: \(summary.finished) trial(s) trained, \(summary.failed) failed, \(summary.skipped) already done; results in \(store.path)\n")
        if summary.interrupted { throw ExitCode(MimicDriver.Runner.interruptionStatus) }
        if report {
            FileStream.standardOutput.write("\n")
            try writeReport(plan, directory: directory, store: store, location: location, title: nil, out: nil, format: .markdown)
        }
    }
}

struct StudyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn a study's results into the paper's Table 2 and Figure 1.",
        discussion: """
            For each family and budget, ranks the finished trials by validation accuracy (the \
            search's objective; with successive halving, by the rung reached first) and reports the test accuracy of the best, the mean of the \
            top N (the search's report.top) and the N-th, with the hard-target baselines and \
            the teacher. Prints the Markdown table (--format json: the same as JSON, for other \
            tools) and writes report.md, report.json, report.csv, figure1.svg and a \
            self-contained report.html to --out (default: <results>/report). \
            A file published.csv in the study directory (family,role,budget,best,mean,last) is \
            shown beside the results. Cells without results are listed as missing.
            """)

    @OptionGroup var selection: StudySelection

    @Option(help: "Where to write the report files (default: <results>/report).")
    var out: String?

    @Option(help: "The report's title.")
    var title: String?

    @Option(help: "What to print: markdown (the tables) or json (every cell, for other tools).")
    var format: ReportFormat = .markdown

    @OptionGroup var location: StudyLocation

    func run() throws {
        let plan = try selection.plan()
        let directory = selection.directory
        let path = location.database(for: directory)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("mimicc: error: no results store at '\(path)'; run 'mimicc study run \(directory)' first, or pass --db\n")
            throw ExitCode(2)
        }
        try writeReport(plan, directory: directory, store: readStore(path), location: location, title: title, out: out, format: format)
    }
}

/// Writes a study's report files and prints its tables: `study report`, and `study run
/// --report` after the trials.
func writeReport(_ plan: StudyPlan, directory: String, store: ResultsStore, location: StudyLocation, title: String?,
                 out: String?, format: ReportFormat) throws {
    let published: PublishedNumbers?
    let publishedPath = directory + "/published.csv"
    do {
        published = FileManager.default.fileExists(atPath: publishedPath) ? try PublishedNumbers.read(publishedPath) : nil
    } catch {
        printError("mimicc: error: \(error.message)\n")
        throw ExitCode(1)
    }
    let trials: [TrialRecord]
    do { trials = try store.allTrials() } catch {
        printError("mimicc: error: results store '\(store.path)': \(error)\n")
        throw ExitCode(2)
    }
    let report = StudyReport.make(plan: plan, trials: trials, published: published,
                                  teachers: location.resultsDirectory(for: directory) + "/teachers")
    let heading = title ?? "mimicc study: \(directory)"
    let markdown = "# \(heading)\n\n" + ReportTables.markdown(report)
    let json = ReportTables.json(report, title: heading)
    let svg = FigureSVG.render(report, title: heading)
    let outDirectory = out ?? location.resultsDirectory(for: directory) + "/report"
    do {
        try StudyOutput.write(
            ["report.md": markdown, "report.json": json, "report.csv": ReportTables.csv(report), "figure1.svg": svg,
             "report.html": ReportHTML.render(report, title: heading, svg: svg)],
            into: outDirectory)
    } catch {
        printError("mimicc: error: cannot write the report to '\(outDirectory)': \(error)\n")
        throw ExitCode(2)
    }
    FileStream.standardOutput.write(format == .json ? json : markdown)
    printError("report written to \(outDirectory)/report.html (with report.md, report.json, report.csv, figure1.svg)\n")
}

struct StudyMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the results databases of a study's shards into one.",
        discussion: """
            Copies every trial of each SHARD database into --into (created if missing). A trial \
            in both keeps the more finished record (done over failed over running); two \
            finished records of one trial that disagree are reported as conflicts and the \
            target's is kept. Exit status: 0 merged, 1 conflicts found, 2 a database could \
            not be read.
            """)

    @Argument(help: "Shard databases.")
    var shards: [String]

    @Option(help: "The database to merge into.")
    var into: String

    func run() throws {
        let target = try openStore(into)
        var conflicts = 0
        for shard in shards {
            guard FileManager.default.fileExists(atPath: shard) else {
                printError("mimicc: error: no database at '\(shard)'\n")
                throw ExitCode(2)
            }
            let source = try readStore(shard)
            do {
                let result = try target.merge(from: source)
                conflicts += result.conflicts
                FileStream.standardOutput.write("\(shard): \(result.added) trial(s) merged, \(result.conflicts) conflict(s)\n")
            } catch {
                printError("mimicc: error: merging '\(shard)': \(error)\n")
                throw ExitCode(2)
            }
        }
        if conflicts > 0 { throw ExitCode(1) }
    }
}

/// `study report --format`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
}

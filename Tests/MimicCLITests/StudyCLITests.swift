import Foundation
import MimicTestSupport
import XCTest

/// `mimicc study run|report|merge` as a user runs them, training for real on the built-in
/// synthetic data.
final class StudyCLITests: CLITestCase {
    func writeStudy() throws {
        var study = SyntheticStudy()
        study.method = "random"
        study.trials = 2
        study.learningRates = (0.01, 0.04)
        (study.train, study.validation, study.dataSeed) = (512, 256, 2)
        (study.epochs, study.seed) = (2, 5)
        study.experiments = [
            .init("cnn", family: "CNN-1", architecture: "8c5-mp4-depfc"),
            .init("mlp", family: "MLP-1", architecture: "depfc"),
        ]
        study.published = "family,role,budget,best,mean,last\nCNN-1,student,20k,40.0,,\n"
        try FileManager.default.createDirectory(atPath: temporary + "/study", withIntermediateDirectories: true)
        try study.write(into: temporary + "/study")
    }

    func testStudyRunsResumesAndReports() throws {
        try writeStudy()
        let dry = try mimicc("study", "run", "study", "--dry-run")
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("study study: 2 experiment(s), 4 trial(s)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("throughput probe:"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/results/study/runs"), "a dry run trains nothing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/results/study/study.sqlite"), "and creates no store")

        let run = try mimicc("study", "run", "study", "--filter", "family=CNN-1", "--no-probe")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("study: 2 trial(s) trained, 0 failed, 0 already done"), run.stdout)
        let runs = try FileManager.default.contentsOfDirectory(atPath: temporary + "/results/study/runs")
        XCTAssertEqual(runs.count, 1)
        XCTAssertTrue(runs[0].hasPrefix("cnn-"), "\(runs)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/results/study/runs/\(runs[0])/trial-002/result.json"))

        let report = try mimicc("study", "report", "study")
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("| Student | 20k |"), report.stdout)
        XCTAssertTrue(report.stdout.contains("Missing (no finished trial): MLP-1 student at 20k"), report.stdout)
        XCTAssertTrue(report.stdout.contains("(40.0)"), report.stdout)
        for file in ["report.md", "report.csv", "figure1.svg", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/results/study/report/" + file), file)
        }

        // The rest of the study: the CNN's trials are found done, the MLP's run.
        let rest = try mimicc("study", "run", "study", "--no-probe", "--jobs", "2")
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertTrue(rest.stdout.contains("study: 2 trial(s) trained, 0 failed, 2 already done"), rest.stdout)
    }

    /// `--preset` runs the study through a preset, with a multi-fidelity search, and
    /// `study report` needs the same flag to find its experiments; a missing or malformed
    /// preset is a clear error.
    func testPresetsRunWithSuccessiveHalvingAndAreChecked() throws {
        try writeStudy()
        try FileManager.default.createDirectory(atPath: temporary + "/study/presets", withIntermediateDirectories: true)
        try """
            description: four trials, halved
            patch:
              train: {epochs: 4}
              search: {trials: 4, fidelity: {min-epochs: 1, reduction: 2}}
            """.write(toFile: temporary + "/study/presets/halving.yaml", atomically: true, encoding: .utf8)
        let run = try mimicc("study", "run", "study", "--filter", "family=CNN-1", "--preset", "halving", "--no-probe")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("1 experiment(s), 4 trial(s), 7 rung run(s)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("study: 7 trial(s) trained, 0 failed"), run.stdout)
        XCTAssertTrue(run.stderr.contains("go on to the rung of 2 epochs"), run.stderr)
        XCTAssertTrue(run.stderr.contains("goes on to the rung of 4 epochs"), run.stderr)
        let report = try mimicc("study", "report", "study", "--filter", "family=CNN-1", "--preset", "halving")
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("| CNN-1 | student | 20k | 4/0/4 |"), report.stdout)
        let json = try mimicc("study", "report", "study", "--filter", "family=CNN-1", "--preset", "halving", "--format", "json")
        XCTAssertEqual(json.status, 0, json.stderr)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let cells = try XCTUnwrap(parsed["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["family"] as? String }, ["CNN-1"])
        XCTAssertEqual(cells[0]["planned"] as? Int, 4)
        XCTAssertEqual(cells[0]["complete"] as? Bool, true)
        XCTAssertEqual((cells[0]["ranked_test_accuracies"] as? [Double])?.first, cells[0]["best"] as? Double)
        XCTAssertEqual((cells[0]["published"] as? [String: Any])?["best"] as? Double, 0.4, "published.csv's 40.0 as a fraction")
        XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/results/study/report/report.json"))
        let without = try mimicc("study", "report", "study", "--filter", "family=CNN-1")
        XCTAssertTrue(without.stdout.contains("Missing (no finished trial): CNN-1 student at 20k"), without.stdout)

        let missing = try mimicc("study", "run", "study", "--preset", "fast", "--dry-run")
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("no preset 'fast': study/presets/fast.yaml does not exist; available: halving"),
                      missing.stderr)
        try "patch: [1, 2]\n".write(toFile: temporary + "/study/presets/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try mimicc("study", "run", "study", "--preset", "halving", "--dry-run")
        XCTAssertEqual(bad.status, 1, "lint checks every preset of the study")
        XCTAssertTrue(bad.stderr.contains("study/presets/bad.yaml:1:8: error: 'patch' must be a mapping"), bad.stderr)
    }

    /// A mistyped command word is a usage error that lists the commands and names the
    /// closest; a study directory that does not exist is said to be missing.
    func testMistypedCommandsAndMissingStudies() throws {
        let typo = try mimicc("study", "rnu", "study")
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("'rnu' is not a mimicc study command. Did you mean 'run'?"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("Commands: run, report, merge"), typo.stderr)
        let unknown = try mimicc("trian", "spec.yaml")
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("'trian' is not a mimicc command\nCommands: lint, inspect, compile"), unknown.stderr)
        // The completion scripts `make install` installs know the commands.
        for shell in ["bash", "zsh", "fish"] {
            let script = try mimicc("--generate-completion-script", shell)
            XCTAssertEqual(script.status, 0, script.stderr)
            XCTAssertTrue(script.stdout.contains("compile-and-run") && script.stdout.contains("preset"), "\(shell): \(script.stdout.prefix(300))")
        }
        for command in ["run", "report"] {
            let missing = try mimicc("study", command, "no-such-study")
            XCTAssertEqual(missing.status, 2, missing.stderr)
            XCTAssertTrue(missing.stderr.contains("no such directory 'no-such-study'"), missing.stderr)
            XCTAssertFalse(missing.stderr.contains("specs have errors"), missing.stderr)
        }
    }

    func testShardsMergeIntoOneDatabase() throws {
        try writeStudy()
        for i in 1...2 {
            let shard = try mimicc("study", "run", "study", "--shard", "\(i)/2", "--no-probe", "--db", "shard-\(i).sqlite")
            XCTAssertEqual(shard.status, 0, shard.stderr)
            XCTAssertTrue(shard.stdout.contains("1 experiment(s), 2 trial(s)"), shard.stdout)
        }
        let merge = try mimicc("study", "merge", "shard-1.sqlite", "shard-2.sqlite", "--into", "all.sqlite")
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertEqual(merge.stdout, "shard-1.sqlite: 2 trial(s) merged, 0 conflict(s)\nshard-2.sqlite: 2 trial(s) merged, 0 conflict(s)\n")
        let report = try mimicc("study", "report", "study", "--db", "all.sqlite")
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertFalse(report.stdout.contains("Missing"), report.stdout)
    }

    /// Shards on machines with different core counts, one of them preempted by SIGTERM and
    /// requeued: exit 143, the trial recorded as interrupted, and once resumed and merged, the
    /// same results, bit for bit, as the whole study run at once (no merge conflict).
    func testAStudyStoppedBySIGTERMResumesAndAgreesWithAnotherThreadCount() throws {
        try writeStudy()
        let whole = try mimicc("study", "run", "study", "--no-probe", "--threads", "2", "--results", "whole")
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let (process, finish) = try start("study", "run", "study", "--no-probe", "--threads", "1", "--results", "shards",
                                          "--shard", "1/2", "--db", "shard-1.sqlite")
        // Stop it once a trial has finished its first epoch.
        terminate(process) {
            let experiments = (try? FileManager.default.contentsOfDirectory(atPath: temporary + "/shards/runs")) ?? []
            return experiments.contains { hasContent("shards/runs/\($0)/trial-001/metrics.jsonl") }
        }
        let stopped = finish()
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("interrupted by SIGTERM"), stopped.stderr)
        let requeued = try mimicc("study", "run", "study", "--no-probe", "--threads", "1", "--results", "shards",
                                  "--shard", "1/2", "--db", "shard-1.sqlite")
        XCTAssertEqual(requeued.status, 0, requeued.stderr)
        XCTAssertTrue(requeued.stderr.contains("resumes after it was interrupted by SIGTERM"), requeued.stderr)
        let other = try mimicc("study", "run", "study", "--no-probe", "--threads", "2", "--results", "shards",
                               "--shard", "2/2", "--db", "shard-2.sqlite")
        XCTAssertEqual(other.status, 0, other.stderr)
        let merge = try mimicc("study", "merge", "shard-1.sqlite", "shard-2.sqlite", "whole/study.sqlite", "--into", "all.sqlite")
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertEqual(merge.stdout, "shard-1.sqlite: 2 trial(s) merged, 0 conflict(s)\n"
                       + "shard-2.sqlite: 2 trial(s) merged, 0 conflict(s)\nwhole/study.sqlite: 0 trial(s) merged, 0 conflict(s)\n")
    }

    /// A results store that cannot grow (a full disk, made by a file-size limit): a clear
    /// error naming the store, with what to do (exit 2), not a crash.
    func testAStoreThatCannotBeWrittenIsAClearError() throws {
        try writeStudy()
        let limited = try mimicc(fileSizeLimit: 8, "study", "run", "study", "--no-probe", "--threads", "1")
        let message = limited.stderr
        XCTAssertEqual(limited.status, 2, message)
        XCTAssertTrue(message.contains("mimicc: error: results store 'results/study/study.sqlite': "), message)
        XCTAssertTrue(message.contains("hint: a full disk or a read-only directory?"), message)
    }

    func testBadInputIsReportedBeforeAnythingRuns() throws {
        try writeStudy()
        try write("study/typo.yaml", "mimicc: 1\nmodel:\n  architecture: \"8fc\"\ntrain:\n  epochz: 3\n")
        let run = try mimicc("study", "run", "study")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("study/typo.yaml:5:3: error: unknown key 'epochz' in 'train'"), run.stderr)
        XCTAssertTrue(run.stderr.contains("nothing was run"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/results"))
        try FileManager.default.removeItem(atPath: temporary + "/study/typo.yaml")

        XCTAssertEqual(try mimicc("study", "run", "study", "--shard", "3/2").status, 64)
        XCTAssertEqual(try mimicc("study", "run", "study", "--filter", "depth=2").status, 64)
        let noResults = try mimicc("study", "report", "study")
        XCTAssertEqual(noResults.status, 2)
        XCTAssertTrue(noResults.stderr.contains("no results store at 'results/study/study.sqlite'"), noResults.stderr)
        let badSet = try mimicc("study", "run", "study", "--set", "train.epochs=0", "--dry-run", "--no-probe")
        XCTAssertEqual(badSet.status, 1)
        XCTAssertTrue(badSet.stderr.contains("'train.epochs' must be at least 1"), badSet.stderr)
    }
}

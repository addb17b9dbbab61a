import Foundation
import MimicTestSupport
import MimicYAML
import XCTest

/// The scheduler examples a user copies: the Kubernetes Indexed Job has every field such a
/// job needs and runs every shard once, resumably; the Slurm script is valid bash that names
/// every variable it reads and asks for what makes it preemption-safe.
final class SchedulerExampleTests: XCTestCase {
    static let repository = Repository.root

    func testTheKubernetesManifestIsAnIndexedJobOverEveryShard() throws {
        let path = Self.repository + "/examples/kubernetes/study-indexed-job.yaml"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let parsed = YAMLReader.parse(bytes, file: path, limits: .standard)
        XCTAssertEqual(parsed.diagnostics, [])
        let job = try XCTUnwrap(parsed.root)
        XCTAssertEqual(job["apiVersion"]?.string, "batch/v1")
        XCTAssertEqual(job["kind"]?.string, "Job")
        XCTAssertNotNil(job["metadata"]?["name"]?.string)
        let spec = try XCTUnwrap(job["spec"])
        XCTAssertEqual(spec["completionMode"]?.string, "Indexed")
        let completions = try XCTUnwrap(spec["completions"]?.int)
        XCTAssertEqual(spec["parallelism"]?.int, completions, "every shard at once")
        XCTAssertNotNil(spec["backoffLimitPerIndex"]?.int, "a failed shard is retried on its own")
        let rule = try XCTUnwrap(spec["podFailurePolicy"]?["rules"]?.sequence?.first)
        XCTAssertEqual(rule["action"]?.string, "Ignore")
        XCTAssertEqual(rule["onPodConditions"]?.sequence?.first?["type"]?.string, "DisruptionTarget",
                       "an eviction is not a failure: the index's next pod resumes")
        let pod = try XCTUnwrap(spec["template"]?["spec"])
        XCTAssertEqual(pod["restartPolicy"]?.string, "Never", "what backoffLimitPerIndex requires")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pod["terminationGracePeriodSeconds"]?.int), 60,
                                    "time after SIGTERM to finish the step and write the checkpoint")
        let container = try XCTUnwrap(pod["containers"]?.sequence?.first)
        XCTAssertNotNil(container["image"]?.string)
        let environment = Dictionary(uniqueKeysWithValues: (container["env"]?.sequence ?? []).compactMap { entry in
            entry["name"]?.string.map { ($0, entry["value"]?.string ?? "") }
        })
        XCTAssertEqual(environment["SHARDS"], "\(completions)", "SHARDS must equal completions")
        let command = (container["args"]?.sequence ?? []).compactMap(\.string).joined(separator: " ")
        XCTAssertTrue(command.hasPrefix("exec mimicc study run"), "exec: mimicc is PID 1 and receives SIGTERM: \(command)")
        XCTAssertTrue(command.contains("--shard \"$((JOB_COMPLETION_INDEX + 1))/${SHARDS}\""), command)
        XCTAssertTrue(command.contains("shard-$((JOB_COMPLETION_INDEX + 1)).sqlite"), "a database per shard: \(command)")
        XCTAssertTrue(command.contains("--threads \"${THREADS}\""), command)
        let requests = try XCTUnwrap(container["resources"]?["requests"])
        XCTAssertEqual(requests["cpu"]?.string, environment["THREADS"], "as many threads as cores asked for")
        let mounts = Set((container["volumeMounts"]?.sequence ?? []).compactMap { $0["name"]?.string })
        let volumes = Set((pod["volumes"]?.sequence ?? []).compactMap { $0["name"]?.string })
        XCTAssertEqual(mounts, volumes, "every mount has its volume")
    }

    func testTheSlurmScriptIsValidAndNamesWhatItNeeds() throws {
        let path = Self.repository + "/examples/slurm/study-array.sbatch"
        let script = try String(contentsOfFile: path, encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = ["-n", path]
        try check.run()
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, "bash -n")
        let header = script.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        for variable in ["STUDY", "RESULTS", "MIMICC", "MIMICC_DATA", "LOGS", "MIMICC_ARGS"] {
            XCTAssertTrue(header.contains("#   \(variable) "), "the header names \(variable)")
            XCTAssertTrue(script.contains("${\(variable)") || script.contains("$\(variable)"), "the script reads \(variable)")
        }
        XCTAssertTrue(header.contains("mkdir -p logs"), "the log directory must exist before sbatch")
        for directive in ["--requeue", "--signal=B:USR1@", "--cpus-per-task=2", "--mem=4G"] {
            XCTAssertTrue(script.contains("#SBATCH \(directive)"), directive)
        }
        XCTAssertTrue(script.contains("attempt-${ATTEMPT}"), "one log per attempt")
        XCTAssertTrue(script.contains("SLURM_RESTART_COUNT"))
    }
}

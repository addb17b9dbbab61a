import Foundation
import XCTest

/// `mimicc compile-and-run`, `bench`, `logits` and `data import` as a user runs them.
final class RunCLITests: CLITestCase {
    func testCompileAndRunPrintsItsResultAndWritesTheRun() throws {
        try write("tiny.yaml", """
            mimicc: 1
            model: {architecture: "8c5-mp2-16fc"}
            data: {dataset: synthetic, train: 256, validation: 64, seed: 1}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.02, momentum: 0.9}}, batch: 32, epochs: 2, seed: 3}

            """)
        let run = try mimicc("compile-and-run", "tiny.yaml", "--out", "run")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("tiny: best validation accuracy "), run.stdout)
        XCTAssertTrue(run.stdout.hasSuffix(", stopped by epochs\n"), run.stdout)
        XCTAssertTrue(run.stderr.contains("epoch 2/2  loss "), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/run/result.json"))
        // A second run into the same directory is refused; --out with --resume is a usage error.
        XCTAssertEqual(try mimicc("compile-and-run", "tiny.yaml", "--out", "run").status, 2)
        XCTAssertEqual(try mimicc("compile-and-run", "tiny.yaml", "--out", "a", "--resume", "run").status, 64)
        let export = try mimicc("logits", "run", "--split", "test", "--out", "t.npy")
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(export.stdout, "wrote t.npy: 1000 x 10 logits averaged over 1 run(s)\n")
    }

    func testCompileAndRunReportsSpecAndDataProblems() throws {
        try write("nodata.yaml", "mimicc: 1\nmodel: {architecture: \"8c5-mp2-16fc\"}\n")
        let missing = try mimicc("compile-and-run", "nodata.yaml")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("error: compile-and-run needs a 'data' section [MC022]"), missing.stderr)
        try write("cifar.yaml", """
            mimicc: 1
            model: {architecture: "8c5-mp2-16fc"}
            data: {dataset: cifar10, path: nowhere}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.02}}, epochs: 1}

            """)
        let absent = try mimicc("compile-and-run", "cifar.yaml")
        XCTAssertEqual(absent.status, 2)
        XCTAssertTrue(absent.stderr.hasPrefix("mimicc: error: CIFAR-10 file 'nowhere/cifar-10-batches-bin/data_batch_1.bin' is missing"), absent.stderr)
        XCTAssertTrue(absent.stderr.contains("hint: run 'mimicc data import cifar10"), absent.stderr)
        let importing = try mimicc("data", "import", "cifar10", "--from", "nowhere.tar.gz", "--into", "data")
        XCTAssertEqual(importing.status, 2)
        XCTAssertEqual(importing.stderr, "mimicc: error: 'nowhere.tar.gz' does not exist\n")
        XCTAssertEqual(try mimicc("data", "import", "mnist", "--from", "x").status, 64)
    }

    func testBenchPrintsThroughput() throws {
        let run = try mimicc("bench", Self.repository + "/specs/bench/mlp1-1M.yaml", "--steps", "2", "--warmup", "0", "--batch", "16")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines[0], "params 1001099")
        XCTAssertTrue(lines[1].hasPrefix("mlp1-1M train img/s "), run.stdout)
        XCTAssertTrue(lines[2].hasPrefix("mlp1-1M GFLOP/s "), run.stdout)
        XCTAssertTrue(lines[2].contains("batch 16"), run.stdout)
        let profile = try mimicc("bench", Self.repository + "/specs/bench/mlp1-1M.yaml", "--steps", "1", "--warmup", "0",
                                 "--batch", "8", "--profile", "--infer")
        XCTAssertTrue(profile.stdout.contains("mlp1-1M infer img/s "), profile.stdout)
        XCTAssertTrue(profile.stdout.contains("profile (median per kernel):\n  k0 flatten"), profile.stdout)
    }
}

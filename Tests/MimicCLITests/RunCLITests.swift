import Foundation
import MimicBLAS
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
        // Without --split, a teacher directory; --flip alone is a usage error.
        let teacher = try mimicc("logits", "run", "--out", "teacher")
        XCTAssertEqual(teacher.status, 0, teacher.stderr)
        XCTAssertTrue(teacher.stdout.hasPrefix("member 1 (run, seed 3, best epoch "), teacher.stdout)
        XCTAssertTrue(teacher.stdout.contains("\nensemble of 1: test "), teacher.stdout)
        for file in ["train_logits.npy", "train_logits_flip.npy", "test_logits.npy", "teacher.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/teacher/" + file), file)
        }
        XCTAssertEqual(try mimicc("logits", "run", "--flip", "--out", "teacher").status, 64)
        // --set: another seed is another spec; a path the spec does not write is an error.
        let reseeded = try mimicc("compile-and-run", "tiny.yaml", "--set", "train.seed=4", "--out", "run4")
        XCTAssertEqual(reseeded.status, 0, reseeded.stderr)
        XCTAssertTrue(try String(contentsOfFile: temporary + "/run4/spec.json", encoding: .utf8).contains("\"seed\": 4"))
        let unwritten = try mimicc("compile-and-run", "tiny.yaml", "--set", "train.warmup=1", "--out", "run5")
        XCTAssertEqual(unwritten.status, 1)
        XCTAssertTrue(unwritten.stderr.contains("does not write 'train.warmup'"), unwritten.stderr)
        XCTAssertEqual(try mimicc("compile-and-run", "tiny.yaml", "--set", "seed").status, 64)
    }

    /// SIGTERM, as a scheduler sends on preemption, in the middle of a run (delivered twice at
    /// once): exit 143 with a mid-epoch checkpoint and how to resume; resumed (on another thread count, as on another
    /// node), the run ends with the same checkpoint bytes as one that never stopped.
    func testSIGTERMStopsWithACheckpointAndResumesToTheSameBytes() throws {
        try write("term.yaml", """
            mimicc: 1
            name: term
            model: {architecture: "8c3-mp2-24fc"}
            data: {dataset: synthetic, train: 512, validation: 128, seed: 2, augment: {flip: true, translate: 2}}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.02, momentum: 0.9}}, batch: 16, epochs: 5, seed: 5}
            """)
        let straight = try mimicc("compile-and-run", "term.yaml", "--out", "straight", "--threads", "2")
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let (process, finish) = try start("compile-and-run", "term.yaml", "--out", "stopped", "--threads", "2")
        let metrics = temporary + "/stopped/metrics.jsonl"
        // Twice at once, as Slurm and a wrapper script passing it on would: one stop, not an abort.
        terminate(process, times: 2) { hasContent("stopped/metrics.jsonl") }
        let stopped = finish()
        XCTAssertEqual(stopped.status, 143, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("interrupted by SIGTERM"), stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("Resume with: mimicc compile-and-run term.yaml --resume stopped"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/stopped/result.json"))
        let resumed = try mimicc("compile-and-run", "term.yaml", "--resume", "stopped", "--threads", "1")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: temporary + "/stopped/checkpoint-last.bin"),
                       FileManager.default.contents(atPath: temporary + "/straight/checkpoint-last.bin"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/stopped/checkpoint-interrupted.bin"),
                       "the mid-epoch checkpoint goes once its epoch ends")
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.map { $0.prefix(12) }, (1...5).map { "{\"epoch\": \($0)," }, "one line per epoch, none twice")
        func withoutTime(_ summary: String) -> String {
            summary.replacingOccurrences(of: #", [0-9.]+ s,"#, with: ",", options: .regularExpression)
        }
        XCTAssertEqual(withoutTime(resumed.stdout), withoutTime(straight.stdout), "the same accuracies")
    }

    /// A full disk, made here by a file-size limit (`ulimit -f`, which needs no privileges),
    /// when a resumed run writes its next checkpoint: a clear error naming the file (exit 2),
    /// the checkpoints it had intact, no temporary file left; resumed once there is room, the
    /// run ends with the same bytes as one that never stopped.
    func testAFullDiskLosesNothing() throws {
        try write("disk.yaml", """
            mimicc: 1
            name: disk
            model: {architecture: "8c3-mp2-24fc"}
            data: {dataset: synthetic, train: 512, validation: 128, seed: 2}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.02, momentum: 0.9}}, batch: 16, epochs: 3, seed: 5}
            """)
        let straight = try mimicc("compile-and-run", "disk.yaml", "--out", "straight")
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let (process, finish) = try start("compile-and-run", "disk.yaml", "--out", "full")
        terminate(process) { hasContent("full/metrics.jsonl") }
        XCTAssertEqual(finish().status, 143)
        let before = try FileManager.default.contentsOfDirectory(atPath: temporary + "/full").sorted()
        let kept = before.filter { $0.hasPrefix("checkpoint-") }.map { ($0, FileManager.default.contents(atPath: temporary + "/full/" + $0)) }
        XCTAssertFalse(kept.isEmpty)
        // 100 KiB: the spec, provenance and metrics fit, a checkpoint (350 KB) does not.
        let limited = try mimicc(fileSizeLimit: 100, "compile-and-run", "disk.yaml", "--resume", "full")
        let message = limited.stderr
        XCTAssertEqual(limited.status, 2, message)
        XCTAssertTrue(message.contains("mimicc: error: cannot write 'full/checkpoint-"), message)
        XCTAssertTrue(message.contains("hint: is the disk full?"), message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary + "/full").sorted(), before,
                       "no temporary file left, nothing removed")
        for (name, bytes) in kept {
            XCTAssertEqual(FileManager.default.contents(atPath: temporary + "/full/" + name), bytes, "\(name) intact")
        }
        let resumed = try mimicc("compile-and-run", "disk.yaml", "--resume", "full")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: temporary + "/full/checkpoint-last.bin"),
                       FileManager.default.contents(atPath: temporary + "/straight/checkpoint-last.bin"))
    }

    /// Specs that lint but ask for more memory than the machine has are refused with the
    /// figure, before anything is allocated (exit 2): a wide layer at a large batch, a huge
    /// benchmark batch, a synthetic data set of two billion images.
    func testPlansLargerThanTheMachineAreRefusedBeforeAllocating() throws {
        try write("wide.yaml", """
            mimicc: 1
            model: {architecture: "20000c5-mp2-10fc"}
            data: {dataset: synthetic, train: 2048, validation: 64}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.1}}, batch: 8192, epochs: 1}
            """)
        XCTAssertEqual(try mimicc("lint", "wide.yaml").status, 0, "large is not wrong")
        let run = try mimicc("compile-and-run", "wide.yaml", "--out", "wide")
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertNotNil(run.stderr.firstMatch(of: /error: training '\S+' needs [0-9.]+ GiB of memory \(activations \(batch 8192\) [0-9.]+ GiB, .*\); this machine has [0-9.]+ GiB/),
                        run.stderr)
        XCTAssertTrue(run.stderr.contains("hint: lower train.batch, or the model's widths"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/wide/checkpoint-last.bin"))
        let bench = try mimicc("bench", "wide.yaml", "--batch", "1000000", "--steps", "1")
        XCTAssertEqual(bench.status, 2, bench.stderr)
        XCTAssertTrue(bench.stderr.contains("GiB of memory (activations (batch 1000000)"), bench.stderr)
        try write("many.yaml", """
            mimicc: 1
            model: {architecture: "8c3-10fc"}
            data: {dataset: synthetic, train: 2000000000, validation: 64}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.1}}, batch: 32, epochs: 1}
            """)
        let many = try mimicc("compile-and-run", "many.yaml", "--out", "many")
        XCTAssertEqual(many.status, 2, many.stderr)
        XCTAssertTrue(many.stderr.contains("the synthetic data set needs 5722.0 GiB of memory (2000001064 synthetic images"), many.stderr)
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
        XCTAssertEqual(try mimicc("data", "import", "imagenet", "--from", "x").status, 64)
    }

    func testBenchPrintsThroughput() throws {
        let run = try mimicc("bench", Self.repository + "/specs/bench/mlp1-1M.yaml", "--steps", "2", "--warmup", "0", "--batch", "16")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines[0], "params 1001099")
        XCTAssertTrue(lines[1].hasPrefix("mlp1-1M train img/s "), run.stdout)
        XCTAssertTrue(lines[2].hasPrefix("mlp1-1M GFLOP/s "), run.stdout)
        XCTAssertTrue(lines[2].contains("batch 16"), run.stdout)
        // The kernel OpenBLAS runs in mimicc: the user's OPENBLAS_CORETYPE, else the one it
        // restarts with when OpenBLAS fell back to a generic kernel, else OpenBLAS's choice.
        let expected = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
            ?? BLASCore.preferred(over: BLASCore.name, flags: BLASCore.cpuFlags()) ?? BLASCore.name
        XCTAssertTrue(run.stdout.contains("mlp1-1M blas \(expected) kernels ("), "expected \(expected): \(run.stdout)")
        let profile = try mimicc("bench", Self.repository + "/specs/bench/mlp1-1M.yaml", "--steps", "1", "--warmup", "0",
                                 "--batch", "8", "--profile", "--infer")
        XCTAssertTrue(profile.stdout.contains("mlp1-1M infer img/s "), profile.stdout)
        XCTAssertTrue(profile.stdout.contains("profile (median per kernel):\n  k0 flatten"), profile.stdout)
    }

    /// cnn2-1M's second convolution runs over Winograd tiles: the profile names them, the
    /// GFLOP line counts what they execute and their direct equivalent, --compare times im2col
    /// too, and --im2col none.
    func testBenchNamesAndComparesConvolutionAlgorithms() throws {
        let spec = Self.repository + "/specs/bench/cnn2-1M.yaml"
        let run = try mimicc("bench", spec, "--steps", "1", "--warmup", "0", "--batch", "4", "--profile", "--compare")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].hasPrefix("cnn2-1M train img/s "), run.stdout)
        XCTAssertTrue(lines[2].hasPrefix("cnn2-1M train img/s ") && lines[2].contains(" with im2col only (steps alternating"), run.stdout)
        // Batch 4. Direct: conv1 forward and weight gradient 2 x 39.3 MFLOP, conv2's three passes
        // 3 x 209.7, the dense layers 21.4: 729 MFLOP. Executed: conv2's passes are 36 GEMMs of
        // 64 x 64 x (64 tiles x 4 images), 3 x 75.5 MFLOP: 327 MFLOP.
        XCTAssertTrue(lines[3].contains("(0.327 GFLOP per step executed, 0.729 as direct convolutions: "), run.stdout)
        XCTAssertTrue(run.stdout.contains("  k1 conv2d+bias+act+maxpool winograd F(2,5) "), run.stdout)
        XCTAssertFalse(run.stdout.contains("  k0 conv2d+bias+act+maxpool winograd"), run.stdout)
        let plain = try mimicc("bench", spec, "--steps", "1", "--warmup", "0", "--batch", "4", "--profile", "--im2col")
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains("winograd"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("executed"), plain.stdout)
    }
}

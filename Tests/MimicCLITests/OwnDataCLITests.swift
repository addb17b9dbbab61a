import Foundation
import XCTest

/// A user's own images as .npy files: a spec that names them trains, takes its input shape
/// and classes from them, exports logits, and is told when it disagrees with them.
final class OwnDataCLITests: CLITestCase {
    /// A .npy version 1 file, written as numpy does.
    func writeNpy(_ name: String, descr: String, shape: [Int], data: [UInt8]) throws {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0]
        bytes += Array(header.utf8) + data
        try Data(bytes).write(to: URL(fileURLWithPath: temporary + "/" + name))
    }

    /// One-channel 10x14 images of 3 classes: a bright 3x3 square, whose brightness is the
    /// class, somewhere on a dark, noisy background.
    func writeImages(_ stem: String, count: Int, seed: UInt64) throws {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for _ in 0..<count {
            let label = next(3)
            var image = (0..<140).map { _ in UInt8(next(40)) }
            let (y, x) = (next(8), next(12))
            for dy in 0..<3 { for dx in 0..<3 { image[(y + dy) * 14 + x + dx] = UInt8(100 + 70 * label) } }
            pixels += image
            labels += [UInt8(label)] + [UInt8](repeating: 0, count: 7)  // int64, little-endian
        }
        try writeNpy(stem + "-x.npy", descr: "|u1", shape: [count, 10, 14, 1], data: pixels)
        try writeNpy(stem + "-y.npy", descr: "<i8", shape: [count], data: labels)
    }

    func testASpecTrainsOnItsOwnNpyImagesAndExportsLogits() throws {
        try writeImages("train", count: 400, seed: 1)
        try writeImages("test", count: 90, seed: 2)
        try write("own.yaml", """
            mimicc: 1
            model: {architecture: "8c3-mp2-16fc"}
            data:
              dataset: npy
              validation: 100
              files:
                train: {images: train-x.npy, labels: train-y.npy}
                test: {images: test-x.npy, labels: test-y.npy}
              normalize: none
              augment: {flip: true, translate: 1}
            train: {loss: cross-entropy, optimizer: {adam: {lr: 0.01}}, epochs: 8, batch: 25}

            """)
        let inspect = try mimicc("inspect", "own.yaml")
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("conv1   conv     8x10x14"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("output  dense    3 "), inspect.stdout)

        let run = try mimicc("compile-and-run", "own.yaml", "--out", "run")
        XCTAssertEqual(run.status, 0, run.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: temporary + "/run/result.json"))) as? [String: Any]
        let accuracy = try XCTUnwrap(result?["testAccuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.8, "the brightness of one square is easy to learn: \(run.stdout)")

        let logits = try mimicc("logits", "run", "--split", "test", "--out", "test-logits.npy")
        XCTAssertEqual(logits.status, 0, logits.stderr)
        let size = try FileManager.default.attributesOfItem(atPath: temporary + "/test-logits.npy")[.size] as? Int
        XCTAssertEqual(size, 128 + 90 * 3 * 4, "a 90 x 3 float32 matrix")

        // A model that disagrees with its files is stopped at lint, naming the file.
        try write("wrong.yaml", String(contentsOfFile: temporary + "/own.yaml", encoding: .utf8)
            .replacingOccurrences(of: "model: {", with: "model: {input: [3, 10, 14], classes: 2, "))
        let lint = try mimicc("lint", "wrong.yaml")
        XCTAssertEqual(lint.status, 1)
        XCTAssertTrue(lint.stderr.contains("wrong.yaml:2:16: error: model.input is [3, 10, 14], but the images of '")
                      && lint.stderr.contains("train-x.npy' are [1, 10, 14] [channels, height, width] [MC044]"), lint.stderr)
        XCTAssertTrue(lint.stderr.contains("error: model.classes is 2, but '"), lint.stderr)
        // A label file that does not match its images stops the run with exit 2.
        try writeNpy("test-y.npy", descr: "<i8", shape: [2], data: [UInt8](repeating: 0, count: 16))
        let broken = try mimicc("compile-and-run", "own.yaml", "--out", "run2")
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.contains("holds 2 labels for the 90 images of"), broken.stderr)
    }

    /// With a validation file of its own, a run trains on the whole training file and exports
    /// single splits; a teacher directory, which scores validation rows of the training
    /// file, is refused with what to do instead.
    func testAValidationFileOfItsOwn() throws {
        try writeImages("train", count: 100, seed: 5)
        try writeImages("val", count: 30, seed: 6)
        try writeImages("test", count: 30, seed: 7)
        try write("val.yaml", """
            mimicc: 1
            model: {architecture: "4c3-mp2-8fc"}
            data:
              dataset: npy
              files:
                train: {images: train-x.npy, labels: train-y.npy}
                validation: {images: val-x.npy, labels: val-y.npy}
                test: {images: test-x.npy, labels: test-y.npy}
            train: {loss: cross-entropy, optimizer: {adam: {lr: 0.01}}, epochs: 1, batch: 20}

            """)
        let run = try mimicc("compile-and-run", "val.yaml", "--out", "run")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("val: best validation accuracy"), run.stdout)
        let split = try mimicc("logits", "run", "--split", "train", "--out", "train-logits.npy")
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(split.stdout, "wrote train-logits.npy: 100 x 3 logits averaged over 1 run(s)\n")
        let teacher = try mimicc("logits", "run", "--out", "teacher")
        XCTAssertEqual(teacher.status, 2)
        XCTAssertTrue(teacher.stderr.contains("validates on a file of its own"), teacher.stderr)
        // The run takes its input shape from its files: moved, they are named as the problem.
        try FileManager.default.moveItem(atPath: temporary + "/train-x.npy", toPath: temporary + "/moved.npy")
        let moved = try mimicc("export", "run", "--out", "moved.onnx")
        XCTAssertEqual(moved.status, 2)
        XCTAssertTrue(moved.stderr.contains("train-x.npy' is missing or unreadable") && moved.stderr.contains("must be where it was trained"),
                      moved.stderr)
    }

    /// A study on one's own images: every trial (each lowered again with its own learning
    /// rate) takes its input shape from the files, and `--report` prints the gap.
    func testAStudyOfOwnImagesReportsTheGap() throws {
        try FileManager.default.createDirectory(atPath: temporary + "/study", withIntermediateDirectories: true)
        try writeImages("study/train", count: 200, seed: 3)
        try writeImages("study/test", count: 60, seed: 4)
        try write("study/base.yaml", """
            mimicc: 1
            abstract: true
            data:
              dataset: npy
              validation: 50
              files:
                train: {images: train-x.npy, labels: train-y.npy}
                test: {images: test-x.npy, labels: test-y.npy}
            train: {loss: cross-entropy, optimizer: {adam: {lr: 0.003}}, epochs: 1, batch: 25}
            search:
              method: random
              trials: 2
              report: {top: 1}
              space:
                train.optimizer.adam.lr: {log-uniform: [0.001, 0.01]}

            """)
        try write("study/mlp.yaml", "mimicc: 1\nextends: base.yaml\nstudy: {family: MLP-1}\nmodel: {architecture: depfc, budget: {params: 5k, tolerance: 10%}}\n")
        try write("study/cnn.yaml", "mimicc: 1\nextends: base.yaml\nstudy: {family: CNN-1}\nmodel: {architecture: \"4c3-mp2-depfc\", budget: {params: 5k, tolerance: 10%}}\n")
        let run = try mimicc("study", "run", "study", "--results", "results", "--report")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("study: 4 trial(s) trained, 0 failed"), run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("| Budget | Best MLP | Best CNN | CNN - MLP (points) |"), run.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: temporary + "/results/report/report.html"))
        let spec = try String(contentsOfFile: temporary + "/results/runs/" + XCTUnwrap(
            FileManager.default.contentsOfDirectory(atPath: temporary + "/results/runs").first { $0.hasPrefix("cnn-") }) + "/trial-001/spec.json",
            encoding: .utf8)
        XCTAssertTrue(spec.contains(temporary + "/study/train-x.npy"), "data paths are absolute in a trial's spec: \(spec)")

        // The report names the best CNN's run; it leaves mimicc as ONNX and runs in onnxruntime.
        XCTAssertTrue(run.stdout.contains("## Best runs"), run.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: temporary + "/results/report/report.json")))
        let cells = try XCTUnwrap((report as? [String: Any])?["cells"] as? [[String: Any]])
        let best = try XCTUnwrap(cells.first { $0["family"] as? String == "CNN-1" }?["best_run"] as? String)
        XCTAssertEqual(try mimicc("export", best, "--out", "best.onnx").status, 0)
        XCTAssertEqual(try mimicc("logits", best, "--split", "test", "--out", "best-test.npy").status, 0)
        try checkONNX("best.onnx", images: "study/test-x.npy", layout: "nhwc", logits: "best-test.npy")
    }

    /// MNIST's IDX files (one gzipped, the others not) become .npy files and a data.yaml that
    /// a spec extends; a damaged file stops the import before anything is written.
    func testImportConvertsMNISTsIDXFilesIntoASpecsData() throws {
        try FileManager.default.createDirectory(atPath: temporary + "/idx", withIntermediateDirectories: true)
        func idx(_ name: String, _ shape: [Int], _ data: [UInt8]) throws {
            var bytes: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
            for d in shape { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
            try Data(bytes + data).write(to: URL(fileURLWithPath: temporary + "/idx/" + name))
        }
        for (stem, count) in [("train", 60), ("t10k", 20)] {
            let labels = (0..<count).map { UInt8($0 % 3) }
            // Class k is a bright square in column band k: learnable from 60 images.
            var images = [UInt8](repeating: 0, count: count * 28 * 28)
            for n in 0..<count { for y in 10..<18 { for x in 0..<8 { images[n * 784 + y * 28 + Int(labels[n]) * 9 + x] = 255 } } }
            try idx("\(stem)-images-idx3-ubyte", [count, 28, 28], images)
            try idx("\(stem)-labels-idx1-ubyte", [count], labels)
        }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", temporary + "/idx/train-images-idx3-ubyte"]
        try gzip.run()
        gzip.waitUntilExit()
        XCTAssertEqual(gzip.terminationStatus, 0)

        let imported = try mimicc("data", "import", "mnist", "--from", "idx", "--into", "data")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(imported.stdout, "imported MNIST into data/mnist\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary + "/data/mnist").sorted(),
                       ["data.yaml", "test-images.npy", "test-labels.npy", "train-images.npy", "train-labels.npy"])
        try write("mnist.yaml", """
            mimicc: 1
            extends: data/mnist/data.yaml
            model: {architecture: "8c5-mp4-16fc"}
            data: {validation: 10}
            train: {loss: cross-entropy, optimizer: {adam: {lr: 0.01}}, epochs: 3, batch: 10}

            """)
        let inspect = try mimicc("inspect", "mnist.yaml")
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("conv1   conv     8x28x28"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("output  dense    3 "), inspect.stdout)
        let run = try mimicc("compile-and-run", "mnist.yaml", "--out", "run")
        XCTAssertEqual(run.status, 0, run.stderr)

        // A label file cut short: refused, nothing written.
        let labels = try Data(contentsOf: URL(fileURLWithPath: temporary + "/idx/t10k-labels-idx1-ubyte"))
        try labels.dropLast(3).write(to: URL(fileURLWithPath: temporary + "/idx/t10k-labels-idx1-ubyte"))
        let damaged = try mimicc("data", "import", "fashion-mnist", "--from", "idx", "--into", "data")
        XCTAssertEqual(damaged.status, 2)
        XCTAssertTrue(damaged.stderr.contains("'t10k-labels-idx1-ubyte' should hold 20 bytes for shape [20] but has 17"), damaged.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/data/fashion-mnist"))
    }

    func testImportInstallsCIFAR100FromADirectory() throws {
        let source = temporary + "/src/cifar-100-binary"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        var records = [UInt8](repeating: 0, count: 3074 * 50_000)
        for i in 0..<50_000 {
            records[i * 3074] = UInt8(i % 20)
            records[i * 3074 + 1] = UInt8(i % 100)
        }
        try Data(records).write(to: URL(fileURLWithPath: source + "/train.bin"))
        try Data(records[0..<(3074 * 10_000)]).write(to: URL(fileURLWithPath: source + "/test.bin"))
        let imported = try mimicc("data", "import", "cifar100", "--from", "src", "--into", "data")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(imported.stdout, "imported CIFAR-100 into data/cifar-100-binary\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary + "/data/cifar-100-binary").sorted(),
                       ["test.bin", "train.bin"])
        // A corrupt file is refused, and nothing is installed from it.
        records[1] = 200
        try Data(records).write(to: URL(fileURLWithPath: source + "/train.bin"))
        let corrupt = try mimicc("data", "import", "cifar100", "--from", "src", "--into", "other")
        XCTAssertEqual(corrupt.status, 2)
        XCTAssertTrue(corrupt.stderr.contains("record 0 has label 200, expected 0-99"), corrupt.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/other/cifar-100-binary"))
    }

    /// Runs Tests/Support/check_onnx.py: the model in onnxruntime against `mimicc logits`.
    func checkONNX(_ model: String, images: String, layout: String, logits: String) throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", Self.repository + "/Tests/Support/check_onnx.py", model, images, layout, logits]
        check.currentDirectoryURL = URL(fileURLWithPath: temporary)
        let output = Pipe()
        check.standardOutput = output
        check.standardError = output
        try check.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        if check.terminationStatus == 77 { throw XCTSkip("onnxruntime is not installed (pip install onnxruntime): \(text)") }
        XCTAssertEqual(check.terminationStatus, 0, text)
    }

    /// Every layer kind, trained briefly on float images, exported to ONNX and run in
    /// onnxruntime: the same logits as `mimicc logits` (Tests/Support/check_onnx.py).
    func testExportedONNXGivesMimiccsLogitsForEveryLayerKind() throws {
        var state: UInt64 = 7
        func unit() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        for (stem, count) in [("train", 120), ("test", 40)] {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for _ in 0..<(count * 3 * 12 * 12) { withUnsafeBytes(of: unit().bitPattern.littleEndian) { pixels += $0 } }
            for n in 0..<count { labels += [UInt8(n % 4)] + [UInt8](repeating: 0, count: 7) }
            try writeNpy(stem + "-x.npy", descr: "<f4", shape: [count, 3, 12, 12], data: pixels)
            try writeNpy(stem + "-y.npy", descr: "<i8", shape: [count], data: labels)
        }
        try write("every.yaml", """
            mimicc: 1
            model:
              layers:
                - conv: {filters: 8, kernel: 3, activation: none}
                - batchnorm: {activation: gelu}
                - maxpool: {size: 3, stride: 2}
                - conv: {filters: 6, kernel: 2, stride: 2, padding: 0, bias: false, activation: tanh}
                - conv: {filters: 4, kernel: 3, padding: 1, bias: false, activation: none}
                - batchnorm: {frozen-scale: true, activation: relu}
                - flatten
                - linear: {units: 8}
                - dense: {units: 4, activation: sigmoid}
                - batchnorm
                - dropout: {rate: 0.2}
                - dense: {units: 12, activation: none}
                - scale: {factor: 0.5}
              output: {bias: false, scale: 0.25}
            data:
              dataset: npy
              layout: nchw
              validation: 20
              normalize: per-channel
              input-scale: 2
              files:
                train: {images: train-x.npy, labels: train-y.npy}
                test: {images: test-x.npy, labels: test-y.npy}
            train: {loss: cross-entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9}}, epochs: 2, batch: 20}

            """)
        let run = try mimicc("compile-and-run", "every.yaml", "--out", "run")
        XCTAssertEqual(run.status, 0, run.stderr)
        let export = try mimicc("export", "run", "--format", "onnx", "--out", "every.onnx")
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.hasPrefix("wrote every.onnx: ONNX opset 17, "), export.stdout)
        XCTAssertTrue(export.stdout.contains("folded batchnorm bn1 into conv1"), "[" + export.stdout + "]")
        XCTAssertTrue(export.stdout.contains("folded bottleneck linear1 into dense1"), export.stdout)
        let logits = try mimicc("logits", "run", "--split", "test", "--out", "want.npy")
        XCTAssertEqual(logits.status, 0, logits.stderr)

        try checkONNX("every.onnx", images: "test-x.npy", layout: "nchw", logits: "want.npy")

        // A directory that is not a run is refused, and nothing is written.
        let refused = try mimicc("export", ".", "--out", "none.onnx")
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("is not a run directory"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/none.onnx"))
        XCTAssertEqual(try mimicc("export", "run", "--format", "tflite", "--out", "x").status, 64)
    }
}

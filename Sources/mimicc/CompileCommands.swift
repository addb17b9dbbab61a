import ArgumentParser
import Foundation
import MimicDriver

/// Options shared by the commands that compile one spec.
struct CompileOptions: ParsableArguments {
    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "Batch size to plan for (default: the spec's train.batch, else 128).")
    var batch: Int?

    @Flag(help: "Plan the forward (inference) graph even when the spec trains.")
    var inference = false

    @Flag(name: .customLong("no-fuse"), help: "Run every op as its own kernel (no fusion).")
    var noFuse = false

    @Option(help: "Diagnostic format when the spec has errors: text, json, github or sarif.")
    var diagnostics: OutputFormat = .text

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    /// Compiles, printing diagnostics; exits 1 on errors in the spec, 2 if it cannot be read.
    func compile() throws -> CompiledSpec {
        let options = Compiler.Options(fuse: !noFuse, inference: inference, batch: batch)
        let (compiled, report) = Compiler.compile(spec, options: options)
        let output = LintRenderer.render(report, as: diagnostics, excerpts: FileStream.standardErrorIsTerminal)
        if let compiled {
            // Warnings still print; a clean spec prints nothing here.
            printError(output.stderr)
            return compiled
        }
        FileStream.standardOutput.write(output.stdout)
        printError(output.stderr)
        throw ExitCode(report.exitCode == 0 ? 1 : report.exitCode)
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a spec's layers: shapes, parameters, FLOPs, memory, fusion and budget.",
        discussion: """
            Prints one row per layer (the implicit output layer included) with its output \
            shape, parameters (weights and biases), forward FLOPs per image (a multiply-add \
            counts 2), output activation bytes per image and the kernel its forward ops run \
            in; then totals, the budget verdict with any solved width, and the plan's arena. \
            --format dot renders the compiled graph for Graphviz (dot -Tsvg). Specs with \
            errors are reported as by 'mimicc lint' (exit 1; 2 if unreadable).
            """)

    @OptionGroup var options: CompileOptions

    @Option(help: "Output: table, json or dot.")
    var format: InspectFormat = .table

    func run() throws {
        let compiled = try options.compile()
        FileStream.standardOutput.write(InspectRenderer.render(compiled, as: format))
    }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a spec and print its verified graph or its execution plan.",
        discussion: """
            A spec with a 'train' section compiles to its training graph (forward, loss and \
            the backward pass derived by reverse-mode differentiation); otherwise, or with \
            --inference, to the forward graph. '--emit graph' prints the graph's values and \
            ops with their spec locations; '--emit plan' prints the kernels in order (fused \
            ops grouped, and 'winograd F(m,r)' after a convolution that runs over Winograd \
            tiles), every buffer with its arena offset and lifetime, and the arena size with \
            and without memory planning.
            """)

    @OptionGroup var options: CompileOptions

    @Option(help: "What to print: graph or plan.")
    var emit: EmitKind = .plan

    func run() throws {
        let compiled = try options.compile()
        FileStream.standardOutput.write(emit == .graph ? compiled.graphText : compiled.planText)
    }
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training (or inference) throughput of a spec's network on random data.",
        discussion: """
            Trains the spec's model on random inputs and targets of its shapes with the mimic \
            loss and SGD with Nesterov momentum 0.9 (the recipe of ../shared/bench/torch_peer.py), \
            after --warmup untimed steps, and prints the parameter count, 'NAME train img/s X' \
            (the median over --steps steps), the achieved GFLOP/s (convolutions and matrix \
            products, forward and backward as executed, a multiply-add counted as 2; where \
            convolutions run over Winograd tiles, which execute fewer, the direct-convolution \
            equivalent too) and the memory: peak resident and the planned blocks. --profile \
            adds the median time of every kernel. Spec errors are reported as by 'mimicc lint'.
            """)

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "Timed steps (the median is reported).")
    var steps = 20

    @Option(help: "Untimed steps first.")
    var warmup = 3

    @Option(help: "Threads (default: the spec's train.threads, else all cores).")
    var threads: Int?

    @Option(help: "Batch size.")
    var batch = 128

    @Flag(help: "Measure inference (forward only) instead of training.")
    var infer = false

    @Flag(help: "Print the median time of every kernel.")
    var profile = false

    @Flag(name: .customLong("no-fuse"), help: "Run every op as its own kernel.")
    var noFuse = false

    @Flag(help: "Run every convolution as im2col + GEMM, none over Winograd tiles (to compare the two).")
    var im2col = false

    @Flag(help: """
        Also time the plan with the other convolution setting (im2col only, or with --im2col \
        Winograd tiles), its steps alternating with the first's, and print both.
        """)
    var compare = false

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must not be negative") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        useTheFastestBLASKernel()
        var options = Bench.Options()
        options.steps = steps
        options.warmup = warmup
        options.threads = threads
        options.batch = batch
        options.inference = infer
        options.profile = profile
        options.fuse = !noFuse
        options.winograd = !im2col
        options.compare = compare
        let (result, report) = Bench.run(spec, options: options)
        let output = LintRenderer.render(report, as: .text, excerpts: FileStream.standardErrorIsTerminal)
        printError(output.stderr)
        guard let result else { throw ExitCode(report.exitCode == 0 ? 1 : report.exitCode) }
        FileStream.standardOutput.write(Bench.render(result))
    }
}

struct CompileAndRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile-and-run",
        abstract: "Train the network a spec describes and report its accuracy.",
        discussion: """
            Checks and compiles the spec, loads its data (CIFAR-10 from data.path, \
            $MIMICC_DATA or ~/.cache/mimicc; or the built-in synthetic set) and its teacher's \
            logits, and trains with the spec's loss, optimizer and schedule. After every epoch \
            it validates, appends a line to metrics.jsonl and writes checkpoints atomically; \
            the best validation checkpoint is the one tested (the last, with train.tested: \
            last). --set PATH=VALUE replaces a value the spec writes before it is hashed \
            (--set train.seed=2 trains another member of an ensemble). Results go to result.json in \
            the run directory (runs/<name>/<time>/, or --out). A spec whose teacher is \
            'trained: {spec, members}' first trains the teacher's members (seeds 1..members) and \
            exports their logits into --teacher-cache (default runs/teachers), unless an earlier \
            run left them there. Ctrl-C or SIGTERM (a \
            scheduler's preemption, scancel, time limit or eviction) stops after the current \
            step and saves a mid-epoch checkpoint; a second signal exits at once. --resume DIR \
            continues a run from where it stopped, to the same parameters as a run that never \
            stopped, and refuses if the spec changed. Results do not depend on --threads. Exit \
            status: 0 trained, 1 errors in the spec or a diverged run, 2 missing or corrupt \
            data, 130 stopped by SIGINT, 143 by SIGTERM.
            """)

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "Run directory (default: runs/<spec name>/<UTC time>).")
    var out: String?

    @Option(help: "Continue the run in this directory from where it stopped (its mid-epoch or last checkpoint).")
    var resume: String?

    @Option(help: "Threads (default: the spec's train.threads, else all cores).")
    var threads: Int?

    @Option(name: .customLong("set"),
            help: "PATH=VALUE: replace a value the spec writes (train.seed=2); a resumed run needs the same.")
    var settings: [String] = []

    @Option(help: ArgumentHelp("Where a trained teacher's members and logits are kept (default: runs/teachers).", valueName: "DIR"))
    var teacherCache: String?

    func validate() throws {
        if out != nil && resume != nil { throw ValidationError("give --out or --resume, not both") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try parseOverrides(settings)
    }

    func run() throws {
        useTheFastestBLASKernel()
        var options = Runner.Options()
        options.out = out
        options.resume = resume
        options.threads = threads
        options.teacherCache = teacherCache
        options.settings = try parseOverrides(settings).map { ($0.path, $0.value) }
        Runner.installInterruptHandler()
        do {
            let result = try Runner.run(spec, options: options, log: { printError($0 + "\n") },
                                        isTerminal: FileStream.standardErrorIsTerminal)
            FileStream.standardOutput.write(Runner.summary(result))
        } catch {
            if let report = error.report {
                let output = LintRenderer.render(report, as: .text, excerpts: FileStream.standardErrorIsTerminal)
                printError(output.stderr)
            } else if error.isInterruption {
                printError("mimicc: \(error.message)\n")
            } else {
                printError("mimicc: error: \(error.message)\n")
            }
            throw ExitCode(error.exitCode)
        }
    }
}

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Manage data sets.", subcommands: [DataFetchCommand.self, DataImportCommand.self])
}

struct DataImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Install CIFAR-10 or CIFAR-100, or convert MNIST or Fashion-MNIST to .npy files.",
        discussion: """
            cifar10, cifar100: checks every file (size, record count, labels) of the official \
            binary archive or an unpacked directory and copies them to DIR/cifar-10-batches-bin \
            or DIR/cifar-100-binary, where DIR is --into, else $MIMICC_DATA, else \
            ~/.cache/mimicc: where compile-and-run looks when a spec has no data.path.

            mnist, fashion-mnist: --from is the directory of the four IDX files as published \
            (train-images-idx3-ubyte.gz and the others, gzipped or not); they are checked and \
            converted to DIR/<name>/{train,test}-{images,labels}.npy, with DIR/<name>/data.yaml, \
            an abstract spec that names them: a spec that extends it trains on them \
            ('dataset: npy', input and classes taken from the files).

            Other images need no import: save them as .npy files and name them in a spec \
            ('dataset: npy', grammar/README.md). Nothing is written unless every file passes. \
            Exit status: 0 installed, 2 the archive or a file failed its checks.
            """)

    @Argument(help: "The data set: cifar10, cifar100, mnist or fashion-mnist.")
    var dataset: String

    @Option(help: "cifar-10-binary.tar.gz, cifar-100-binary.tar.gz, or a directory holding the .bin or IDX files.")
    var from: String

    @Option(help: "Data root (default: $MIMICC_DATA, else ~/.cache/mimicc).")
    var into: String?

    func validate() throws {
        guard DataImport.importable.contains(dataset) else {
            throw ValidationError("unknown data set '\(dataset)'; mimicc imports \(DataImport.importable.joined(separator: ", "))")
        }
    }

    func run() throws {
        do {
            let imported = try DataImport.importDataset(dataset, from: from, into: into)
            FileStream.standardOutput.write("imported \(imported.name) into \(imported.target)\n")
        } catch {
            printError("mimicc: error: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download CIFAR-10's or CIFAR-100's official binary archive, check it, and install it.",
        discussion: """
            Downloads cifar-10-binary.tar.gz or cifar-100-binary.tar.gz (--url, default the \
            dataset's page at the University of Toronto), checks its MD5 against the one \
            published there (--md5 for another file), then unpacks and checks every file as \
            'mimicc data import' does and copies them to DIR/cifar-10-batches-bin or \
            DIR/cifar-100-binary, where DIR is --into, else $MIMICC_DATA, else \
            ~/.cache/mimicc. A failed or corrupt download leaves nothing behind. --url also \
            takes file:// URLs. Exit status: 0 installed, 2 the download or the archive failed.
            """)

    @Argument(help: "The data set: cifar10 or cifar100.")
    var dataset: String

    @Option(help: "Where to download from (default: the publisher's archive).")
    var url: String?

    @Option(help: "The archive's expected MD5 (default: the published one).")
    var md5: String?

    @Option(help: "Data root (default: $MIMICC_DATA, else ~/.cache/mimicc).")
    var into: String?

    func validate() throws {
        guard DataImport.datasets.contains(dataset) else {
            throw ValidationError("unknown data set '\(dataset)'; mimicc fetches \(DataImport.datasets.joined(separator: " and "))")
        }
        if let md5, md5.count != 32 || !md5.allSatisfy(\.isHexDigit) { throw ValidationError("--md5 must be 32 hexadecimal digits") }
    }

    func run() throws {
        do {
            let fetched = try DataFetch.fetch(dataset, url: url, md5: md5, into: into, progress: { printError($0 + "\n") })
            FileStream.standardOutput.write("installed \(fetched.name) into \(fetched.target)\n")
        } catch {
            printError("mimicc: error: \(error)\n")
            throw ExitCode(2)
        }
    }
}

extension ModelExport.Format: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run's network for other runtimes (ONNX).",
        discussion: """
            Writes the run's inference network as an ONNX model (opset 17, IR version 8, \
            dynamic batch): batchnorm folded into its convolution and linear bottlenecks \
            into the next layer, as mimicc's own inference plan does. The model reads \
            'images', float32 [N, C, H, W] on the scale mimicc trains on (byte values / 255), \
            applies the run's data.normalize and data.input-scale, and writes 'logits' \
            [N, classes]: the logits 'mimicc logits' gives without test-time views. The file \
            is written whole or not at all. Exit status: 0 written, 2 the run or the file \
            could not be used.

            Example: mimicc export runs/cnn/20261201-101500 --out cnn.onnx
            """)

    @Argument(help: "The run directory.")
    var runDirectory: String

    @Option(help: "Which weights: best (the best validation epoch's) or last (the last epoch's).")
    var checkpoint: LogitsExport.Weights = .best

    @Option(help: "The format: onnx.")
    var format: ModelExport.Format = .onnx

    @Option(help: "The file to write.")
    var out: String

    func run() throws {
        do {
            let summary = try ModelExport.export(run: runDirectory, checkpoint: checkpoint, format: format, out: out)
            FileStream.standardOutput.write("wrote \(out): ONNX opset 17, \(summary.nodes) nodes, \(summary.parameters) parameters\n")
            for fold in summary.folds { FileStream.standardOutput.write("  \(fold)\n") }
        } catch {
            printError("mimicc: error: \(error)\n")
            throw ExitCode(2)
        }
    }
}

extension LogitsExport.Split: ExpressibleByArgument {}
extension LogitsExport.Weights: ExpressibleByArgument {}
extension LogitsExport.Views: ExpressibleByArgument {}

struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Export the averaged logits of trained runs, to use as a teacher.",
        discussion: """
            Runs each run directory's best checkpoint (or its last, with --checkpoint last) \
            over every image of a split and averages the logits over the runs (an ensemble, \
            as Urban et al. average their 16 teachers before the softmax).

            Without --split, --out is a directory that receives the whole teacher, in the \
            layout of ../shared/data/teacher: train_logits.npy (all 50000 CIFAR-10 training \
            records in file order), train_logits_flip.npy (the same images mirrored), \
            test_logits.npy (the 10000 test images) and teacher.json (each member's run, spec \
            hash, seed and checkpoint, and the accuracies of every member and of the \
            ensemble on the training, validation and test rows, counted on the exported \
            logits). A student's teacher.logits names the three files.

            With --split train or test, --out is one float32 .npy matrix [images, classes]; \
            --flip mirrors every image first (teacher.logits.train-flip).

            --tta averages each test image's logits over views of it (flip: the image and its \
            mirror; flip-shift: also both moved one pixel each way, at half weight); by \
            default the test split takes each run's train.tta (what its test accuracy \
            measured) and the train split none, since a student is fed the teacher's logits \
            of the very view it sees. Files are replaced atomically; teacher.json is written \
            last. Exit status: 0 written, 2 a run or the data could not be read or written.
            """)

    @Argument(help: "Run directories of trained teachers.")
    var runs: [String]

    @Option(help: "Which images: train or test (default: all of them, into the directory --out).")
    var split: LogitsExport.Split?

    @Flag(help: "Mirror every image left-right first (with --split).")
    var flip = false

    @Option(help: "The .npy file to write (with --split), else the teacher directory.")
    var out: String

    @Option(help: "Which weights: best (the best validation epoch's) or last (the last epoch's).")
    var checkpoint: LogitsExport.Weights = .best

    @Option(help: "Test-time views whose logits are averaged: none, flip or flip-shift (default: the run's train.tta for the test split, none for train).")
    var tta: LogitsExport.Views?

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if flip && split == nil { throw ValidationError("--flip needs --split train (the teacher directory holds the mirrored logits already)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        useTheFastestBLASKernel()
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        do {
            if let split {
                let shape = try LogitsExport.export(runs: runs, split: split, flipped: flip, out: out, threads: threads,
                                                    checkpoint: checkpoint, tta: tta ?? (split == .train ? LogitsExport.Views.none : nil))
                FileStream.standardOutput.write("wrote \(out): \(shape.rows) x \(shape.columns) logits averaged over \(runs.count) run(s)\n")
            } else {
                let record = try TeacherExport.export(runs: runs, to: out, checkpoint: checkpoint, testViews: tta, threads: threads,
                                                      log: { printError($0 + "\n") })
                FileStream.standardOutput.write(TeacherExport.summary(record, directory: out))
            }
        } catch {
            printError("mimicc: error: \(error)\n")
            throw ExitCode(2)
        }
    }
}

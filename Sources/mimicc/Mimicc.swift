import ArgumentParser
import Foundation
import MimicBLAS
import MimicDriver

/// The `mimicc` executable: argument parsing only; the work happens in MimicDriver.
@main
struct Mimicc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mimicc",
        abstract: "A declarative model-spec compiler for deep-learning studies.",
        discussion: """
            A spec is one YAML file describing a model, its parameter budget, data, teacher, \
            training and search (see grammar/README.md). Exit status: 0 clean, 1 errors \
            found in the input, 2 mimicc could not do its job, 64 usage errors.
            """,
        version: MimicVersion.current,
        subcommands: [Lint.self, Inspect.self, Compile.self, CompileAndRun.self, BenchCommand.self, LogitsCommand.self, ExportCommand.self, DataCommand.self, StudyCommand.self, Schema.self])

    /// Parses and runs, after checking the command words: a mistyped subcommand is a usage
    /// error that names the closest one.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = unknownSubcommand(arguments, under: Self.self, path: "mimicc") {
            printError("Error: \(message)\n")
            Foundation.exit(64)
        }
        Self.main(arguments)
    }

    /// Walks the command words of `arguments` down the tree of subcommands; the message for
    /// the first word that names none, or nil.
    static func unknownSubcommand(_ arguments: [String], under command: ParsableCommand.Type, path: String) -> String? {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty, let word = arguments.first, !word.hasPrefix("-"), word != "help" else { return nil }
        if let next = subcommands.first(where: { $0._commandName == word }) {
            return unknownSubcommand(Array(arguments.dropFirst()), under: next, path: path + " " + word)
        }
        let names = subcommands.map { $0._commandName }
        var message = "'\(word)' is not a \(path) command"
        if let close = CommandSuggestion.closest(to: word, among: names) { message += ". Did you mean '\(close)'?" }
        return message + "\nCommands: " + names.joined(separator: ", ") + "\n  See '\(path) --help' for more information."
    }
}

/// Commands that run networks call this first, before any thread starts: OpenBLAS's kernel
/// is chosen when it loads, so if it fell back to a generic one the process restarts with a
/// faster one (`BLASCore`). Commands that only read specs skip the restart (it costs about
/// 25 ms, as long as linting one spec).
func useTheFastestBLASKernel() {
    BLASCore.restartWithTheFastestKernel()
    // A file-size limit (`ulimit -f`, a scheduler's) would otherwise kill the process with
    // SIGXFSZ in the middle of a write; ignored, the write fails and mimicc says which file
    // could not be written, with the previous one intact (AtomicFile), as for a full disk.
    signal(SIGXFSZ, SIG_IGN)
}

extension OutputFormat: ExpressibleByArgument {}
extension InspectFormat: ExpressibleByArgument {}
extension EmitKind: ExpressibleByArgument {}

/// Writes to standard error without buffering surprises between the two streams.
func printError(_ text: String) {
    FileStream.standardError.write(text)
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check spec files for every error a spec can have before it runs.",
        discussion: """
            Checks YAML syntax, the spec language (unknown keys, types, ranges, conflicting \
            options), 'extends' chains, the compact architecture notation, search paths and \
            layer shapes, and reports every finding at its line and column. Whether data and \
            logit files exist is checked when a run starts, not here.

            Directories are searched recursively for *.yaml and *.yml files. Text diagnostics \
            go to standard error (with the source line and a caret when it is a terminal); \
            json, github and sarif go to standard output. Exit status: 0 clean (warnings \
            allowed unless --strict), 1 errors found, 2 a path could not be read.
            """)

    @Argument(help: "Spec files or directories.")
    var paths: [String]

    @Option(help: "Output format: text, json, github (Actions annotations) or sarif (SARIF 2.1.0).")
    var format: OutputFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func run() throws {
        let report = Linter.lint(paths, strict: strict)
        let output = LintRenderer.render(report, as: format, excerpts: FileStream.standardErrorIsTerminal)
        FileStream.standardOutput.write(output.stdout)
        printError(output.stderr)
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of the spec language, for editors.",
        discussion: """
            The same schema is kept at grammar/mimicc-spec.schema.json. Point an editor's \
            YAML language server at it, e.g. with a first line \
            '# yaml-language-server: $schema=../grammar/mimicc-spec.schema.json'.
            """)

    func run() throws {
        FileStream.standardOutput.write(SpecSchema.json + "\n")
    }
}

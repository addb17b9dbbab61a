import Foundation
import MimicDriver

/// One fuzz input: the bytes as a spec file, through everything `mimicc lint` and `mimicc
/// compile` do (parse, lower, resolve `extends`, analyse shapes and budgets, build the
/// training and inference graphs, plan memory and fusion), then rendered as every output
/// format. Any trap, overflow, hang or unbounded allocation on the way is a finding; a
/// diagnostic is the right answer to bad input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzFile.path
    guard (try? Data(bytes: data, count: size).write(to: URL(fileURLWithPath: path))) != nil else { return 0 }
    let report = Linter.lint([path], strict: true)
    for format in OutputFormat.allCases { _ = LintRenderer.render(report, as: format) }
    for inference in [false, true] {
        let (compiled, _) = Compiler.compile(path, options: Compiler.Options(inference: inference, batch: 3))
        if let compiled {
            _ = compiled.graphText
            _ = compiled.planText
            for format in InspectFormat.allCases { _ = InspectRenderer.render(compiled, as: format) }
        }
    }
    return 0
}

/// Each fuzzing process writes its inputs to a file of its own, in a directory of its own,
/// so that a spec's `extends` finds only what the fuzzer wrote.
enum FuzzFile {
    static let path: String = {
        let directory = NSTemporaryDirectory() + "mimicc-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/spec.yaml"
    }()
}

import MimicBasics
import MimicSema
import MimicSpec

/// What `mimicc lint` found over a set of files.
public struct LintReport: Sendable {
    public var files: [String]
    /// Deduplicated (a base file's findings are reported once, however many specs extend
    /// it) and in source order.
    public var diagnostics: [Diagnostic]
    /// Paths that could not be read at all; the tool could not do its job for them.
    public var unreadable: [String]

    public init(files: [String], diagnostics: [Diagnostic], unreadable: [String]) {
        self.files = files
        self.diagnostics = diagnostics
        self.unreadable = unreadable
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// 0 clean, 1 errors found, 2 the tool could not do its job.
    public var exitCode: Int32 {
        if !unreadable.isEmpty { return 2 }
        return errorCount > 0 ? 1 : 0
    }
}

/// Runs every check that needs no data: YAML, the spec language, shapes and budgets (a
/// study's presets, under `presets/`, are checked as presets).
public enum Linter {
    /// `loader` caches parsed files: pass the one a later stage uses to parse each file once.
    public static func lint(_ paths: [String], strict: Bool = false, loader: SpecLoader = SpecLoader()) -> LintReport {
        let (files, missing) = SpecFiles.expand(paths)
        var bag = DiagnosticBag()
        var unreadable = missing.map(\.description)
        for file in files {
            do {
                bag.add(contentsOf: try check(file, loader: loader))
            } catch {
                unreadable.append(error.description)
            }
        }
        var seen: [Diagnostic] = []
        for diagnostic in bag.sorted where !seen.contains(diagnostic) {
            var d = diagnostic
            if strict && d.severity == .warning { d.severity = .error }
            seen.append(d)
        }
        return LintReport(files: files, diagnostics: seen, unreadable: unreadable)
    }

    /// The diagnostics of one spec file: loading and lowering, then the semantic checks.
    public static func check(_ file: String, loader: SpecLoader) throws(SpecLoader.ReadError) -> [Diagnostic] {
        if SpecPreset.isPreset(file) { return try SpecPreset.load(file).diagnostics }
        return try Frontend.run(file, loader: loader).diagnostics
    }
}

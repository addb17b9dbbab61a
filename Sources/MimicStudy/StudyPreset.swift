import MimicBasics
import MimicDriver
import MimicSpec

/// `--preset NAME`: the study directory's `presets/NAME.yaml` (see `SpecPreset`).
public enum StudyPreset {
    /// The names a study directory offers.
    public static func available(in directory: String) -> [String] { SpecPreset.available(in: directory) }

    public static func path(_ name: String, in directory: String) -> String { SpecPreset.path(name, in: directory) }

    /// The preset, or its lint report (exit 1) when it is malformed; throws when it cannot
    /// be read (exit 2).
    public static func load(_ name: String, in directory: String) throws(StudyError) -> Result<SpecPreset, StudyPlan.LintFailure> {
        let path = SpecPreset.path(name, in: directory)
        let loaded: (preset: SpecPreset?, diagnostics: [Diagnostic])
        do { loaded = try SpecPreset.load(path) } catch { throw StudyError("\(error)") }
        guard let preset = loaded.preset else {
            return .failure(StudyPlan.LintFailure(report: LintReport(files: [path], diagnostics: loaded.diagnostics, unreadable: [])))
        }
        return .success(preset)
    }
}

import Foundation
import MimicBasics
import MimicYAML

/// A study's named preset (`DIR/presets/NAME.yaml`, `mimicc study run DIR --preset NAME`):
/// a patch merged into every spec of the study, then patches for chosen families. A patch is
/// written like a spec fragment and merged as `extends` merges (mappings key by key, the
/// preset winning, alternatives replacing each other), except that `null` deletes a key:
/// `search: {space: {data.input-scale: null}}` stops searching the input scale. Patched
/// values keep the preset file's lines, so a value the spec then rejects is reported there.
///
/// ```yaml
/// description: the 1M column in about three hours on two cores
/// patch:
///   train: {epochs: 12}
///   search: {trials: 9, fidelity: {min-epochs: 2}}
/// families:
///   MLP-*: {search: {space: {train.optimizer.sgd.lr: {log-uniform: [0.0005, 0.004]}}}}
/// ```
public struct SpecPreset: Sendable {
    public var file: String
    public var name: String
    public var description: String?
    public var patch: Node?
    /// Family patterns (`*` matches any run of characters) and their patches, in file order.
    public var families: [(pattern: String, patch: Node)]

    static let keys = ["description", "patch", "families"]

    /// The presets a study directory offers: the names of `DIR/presets/*.yaml`.
    public static func available(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/presets")) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    public static func path(_ name: String, in directory: String) -> String { directory + "/presets/" + name + ".yaml" }

    /// Files in a directory named `presets` are presets, not specs: lint checks them as
    /// presets and a study does not run them.
    public static func isPreset(_ file: String) -> Bool {
        let parts = file.split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "presets"
    }

    /// Reads and checks a preset file; nil with the reasons when it is malformed.
    public static func load(_ path: String) throws(SpecLoader.ReadError) -> (preset: SpecPreset?, diagnostics: [Diagnostic]) {
        let bytes = try SpecLoader.read(path)
        let (root, parsed) = YAMLReader.parse(bytes, file: path)
        guard let root else { return (nil, parsed) }
        var lowerer = Lowerer()
        guard lowerer.mapping(root, "preset", allowed: keys) != nil else { return (nil, parsed + lowerer.diagnostics.diagnostics) }
        let description = root["description"].flatMap { lowerer.string($0, "description") }
        let patch = root["patch"].flatMap { node -> Node? in
            guard node.mapping != nil else {
                lowerer.wrongType(node, expected: "a mapping (a fragment of a spec)", for: "patch")
                return nil
            }
            return node
        }
        var families: [(String, Node)] = []
        if let node = root["families"] {
            if let entries = node.mapping {
                for entry in entries {
                    guard entry.value.mapping != nil else {
                        lowerer.wrongType(entry.value, expected: "a mapping (a fragment of a spec)", for: "families.\(entry.name)")
                        continue
                    }
                    families.append((entry.name, entry.value))
                }
            } else {
                lowerer.wrongType(node, expected: "a mapping from family patterns to patches", for: "families")
            }
        }
        let diagnostics = parsed + lowerer.diagnostics.diagnostics
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return (nil, diagnostics) }
        let name = SpecLowering.stem(of: path)
        return (SpecPreset(file: path, name: name, description: description, patch: patch, families: families), diagnostics)
    }

    /// The spec with the preset's patches in place, lowered again; `family` chooses the
    /// family patches (the spec's `study.family`, or its name).
    public func apply(to spec: Spec, family: String) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        var root = spec.root
        let patches = [patch].compactMap { $0 } + families.filter { Self.matches(family, $0.pattern) }.map(\.patch)
        guard !patches.isEmpty else { return (spec, []) }
        for patch in patches { root = SpecLoader.merge(base: root, over: patch, deletingNulls: true) }
        return SpecLowering.lower(root, file: spec.file)
    }

    /// A shell-style pattern where `*` matches any run of characters (case-insensitive, as
    /// `--filter family=` is).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.lowercased()), p = Array(pattern.lowercased())
        func match(_ i: Int, _ j: Int) -> Bool {
            if j == p.count { return i == t.count }
            if p[j] == "*" { return (i...t.count).contains { match($0, j + 1) } }
            return i < t.count && t[i] == p[j] && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}

import Foundation
import MimicBasics
import MimicYAML

/// Reads spec files, resolves `extends` chains and lowers the result. Parsed files are
/// cached, so linting a study whose specs share one base file parses that file once.
public final class SpecLoader {
    /// The file the user named could not be read at all: the tool cannot do its job (exit 2).
    public struct ReadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read '\(path)': \(reason)" }
    }

    public struct Result {
        /// nil when the spec has errors.
        public var spec: Spec?
        public var diagnostics: [Diagnostic]
    }

    /// Keys that describe a file itself and so are not inherited through `extends`.
    static let uninheritedKeys: Set<String> = ["name", "extends", "abstract"]

    private let limits: YAMLLimits
    private var parsed: [String: (root: Node?, diagnostics: [Diagnostic])] = [:]

    public init(limits: YAMLLimits = .standard) { self.limits = limits }

    public func load(_ path: String) throws(ReadError) -> Result {
        let bytes = try Self.read(path)
        var diagnostics: [Diagnostic] = []
        guard let root = resolve(path, bytes: bytes, chain: [], into: &diagnostics) else {
            return Result(spec: nil, diagnostics: diagnostics)
        }
        let lowered = SpecLowering.lower(root, file: path)
        return Result(spec: diagnostics.contains { $0.severity == .error } ? nil : lowered.spec,
                      diagnostics: diagnostics + lowered.diagnostics)
    }

    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw ReadError(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(path: path, reason: "permission denied or unreadable")
        }
        return [UInt8](data)
    }

    private func parse(_ path: String, bytes: [UInt8]) -> (root: Node?, diagnostics: [Diagnostic]) {
        if let cached = parsed[path] { return cached }
        let result = YAMLReader.parse(bytes, file: path, limits: limits)
        parsed[path] = result
        return result
    }

    /// The merged tree of `path` and every file it extends, or nil if it cannot be built.
    private func resolve(_ path: String, bytes: [UInt8], chain: [String], into diagnostics: inout [Diagnostic]) -> Node? {
        let (root, parseDiagnostics) = parse(path, bytes: bytes)
        diagnostics += parseDiagnostics
        guard let root else { return nil }
        guard root.mapping != nil else {
            diagnostics.append(.error(.wrongType, "a spec must be a mapping, found \(root.kindDescription)",
                                      at: root.location,
                                      notes: [DiagnosticNote("a spec starts with 'mimicc: 1' and names its model")]))
            return nil
        }
        checkVersion(root, path: path, into: &diagnostics)
        guard let extends = root["extends"] else { return root }
        guard let relative = extends.scalar?.text, !extends.isNull, !relative.isEmpty else {
            diagnostics.append(.error(.wrongType, "'extends' must be a path, found \(extends.kindDescription)",
                                      at: extends.location))
            return root
        }
        let target = SpecPath.join(SpecPath.directory(of: path), relative)
        let newChain = chain + [path]
        if newChain.contains(target) {
            let names = (newChain + [target]).joined(separator: " -> ")
            diagnostics.append(.error(.extendsCycle, "'extends' forms a cycle: \(names)", at: extends.location,
                                      notes: [DiagnosticNote("a spec may not extend itself, directly or through others")]))
            return nil
        }
        let targetBytes: [UInt8]
        do {
            targetBytes = try Self.read(target)
        } catch {
            var notes = [DiagnosticNote("paths in 'extends' are relative to the file that names them")]
            if !chain.isEmpty {
                notes.append(DiagnosticNote("extended through: " + newChain.joined(separator: " -> ")))
            }
            diagnostics.append(.error(.extendsMissing, "cannot read extended file '\(target)': \(error.reason)",
                                      at: extends.location, notes: notes))
            return nil
        }
        guard let base = resolve(target, bytes: targetBytes, chain: newChain, into: &diagnostics) else { return nil }
        return Self.merge(base: Self.removingUninherited(base), over: root)
    }

    private func checkVersion(_ root: Node, path: String, into diagnostics: inout [Diagnostic]) {
        guard let version = root["mimicc"] else {
            diagnostics.append(.error(.missingKey, "missing format version 'mimicc: 1'", at: root.location,
                                      notes: [DiagnosticNote("every spec file, base files too, starts with 'mimicc: 1'")]))
            return
        }
        if version.int != 1 {
            let found = version.scalar?.text ?? version.kindDescription
            diagnostics.append(.error(.unsupportedVersion, "unsupported spec format version '\(found)'",
                                      at: version.location,
                                      notes: [DiagnosticNote("this mimicc reads format version 1")]))
        }
    }

    static func removingUninherited(_ node: Node) -> Node {
        guard let entries = node.mapping else { return node }
        return Node(.mapping(entries.filter { !uninheritedKeys.contains($0.name) }), at: node.location)
    }

    /// Keys that are alternatives to each other, by the path of their mapping: a child that
    /// picks one drops the base's other (a child's `architecture` replaces inherited `layers`,
    /// its `adam` replaces an inherited `sgd`).
    static let alternatives: [String: Set<String>] = [
        "model": ["layers", "architecture"],
        "teacher": ["logits", "ensemble", "trained"],
        "train.loss": ["mimic", "cross-entropy", "kd"],
        "train.optimizer": ["sgd", "adam"],
        "train.schedule": ["constant", "step", "cosine", "plateau", "one-cycle", "warmup-linear"],
    ]

    /// Deep merge: mappings merge key by key with the child winning; anything else (lists
    /// included) is replaced by the child's value. Base keys keep their order, new keys follow.
    /// `deletingNulls` (a preset's patch): a null in the child deletes the key, and the merged
    /// mappings keep the base's locations (the spec's, not the patch file's).
    static func merge(base: Node, over child: Node, path: String = "", deletingNulls: Bool = false) -> Node {
        guard let childEntries = child.mapping else { return child }
        let kept = deletingNulls ? childEntries.filter { !$0.value.isNull } : childEntries
        let empty = Node(.mapping([]), at: child.location)
        guard var baseEntries = base.mapping else {
            return deletingNulls ? merge(base: empty, over: child, path: path, deletingNulls: true) : child
        }
        if let group = alternatives[path] {
            let chosen = Set(kept.map(\.name)).intersection(group)
            if !chosen.isEmpty {
                baseEntries.removeAll { group.contains($0.name) && !chosen.contains($0.name) }
            }
        }
        func childPath(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
        var result: [MappingEntry] = []
        for entry in baseEntries {
            if let override = childEntries.first(where: { $0.name == entry.name }) {
                if deletingNulls && override.value.isNull { continue }
                result.append(MappingEntry(key: override.key, value: merge(base: entry.value, over: override.value,
                                                                           path: childPath(entry.name), deletingNulls: deletingNulls)))
            } else {
                result.append(entry)
            }
        }
        let baseNames = Set(baseEntries.map(\.name))
        for entry in kept where !baseNames.contains(entry.name) {
            result.append(deletingNulls
                ? MappingEntry(key: entry.key, value: merge(base: empty, over: entry.value, path: childPath(entry.name), deletingNulls: true))
                : entry)
        }
        return Node(.mapping(result), at: deletingNulls ? base.location : child.location)
    }
}

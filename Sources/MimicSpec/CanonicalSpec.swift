import Foundation
import MimicBasics
import MimicYAML

/// A spec's identity: the merged spec as canonical JSON, and its SHA-256. Runs record the
/// hash (`spec.sha256`), `--resume` and checkpoints refuse a spec whose hash changed, and the
/// study keys trial directories and results by it.
public enum CanonicalSpec {
    /// The merged spec as canonical JSON (keys in written order, plain scalars typed as the
    /// spec language reads them): what the run's hash covers, so any change to the spec or a
    /// file it extends changes it. JSON is YAML, so the file is itself a spec that
    /// `mimicc logits` and `--resume` read back; `extends` is dropped, as it is resolved.
    public static func json(_ node: Node) -> String {
        func value(_ n: Node, _ key: String) -> JSONValue {
            switch n.kind {
            case .scalar(let s):
                if n.isNull { return .null }
                if let b = n.bool { return .bool(b) }
                if let i = n.int { return .int(i) }
                if let d = n.double { return .number(d) }
                return .string(s.text)
            case .sequence(let items): return .array(items.map { value($0, key) })
            case .mapping(let entries):
                return .object(entries.filter { $0.name != "extends" }.map { entry in
                    // Data and teacher paths become absolute, so the copy works from anywhere.
                    let dataFile = ["images", "labels"].contains(entry.name) && ["train", "validation", "test"].contains(key)
                    if dataFile || ["path", "train", "test", "train-flip"].contains(entry.name) && (key == "logits" || key == "data"),
                       let text = entry.value.scalar?.text, entry.value.int == nil, !text.isEmpty, !text.hasPrefix("/") {
                        let base = (entry.value.location.file as NSString).deletingLastPathComponent
                        let joined = ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(text)
                        let absolute = joined.hasPrefix("/") ? joined : FileManager.default.currentDirectoryPath + "/" + joined
                        return (entry.name, .string((absolute as NSString).standardizingPath))
                    }
                    return (entry.name, value(entry.value, entry.name))
                })
            }
        }
        return value(node, "").rendered()
    }

    /// The SHA-256 of the canonical JSON.
    public static func hash(_ node: Node) -> [UInt8] { SHA256.hash(Array(json(node).utf8)) }

    /// The hash as lowercase hex, as `spec.sha256` holds it.
    public static func hex(_ spec: Spec) -> String { hex(spec.root) }

    /// The hash of any spec tree (a study's experiment without its search, say) as hex.
    public static func hex(_ node: Node) -> String { SHA256.hexString(hash(node)) }
}

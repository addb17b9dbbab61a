import MimicDriver
import MimicSpec
import MimicTrain

/// The content hash of a resolved spec, as `compile-and-run` writes it to `spec.sha256`.
enum SHA256Hex {
    static func of(_ spec: Spec) -> String { SHA256.hex(Array(Runner.canonicalJSON(spec.root).utf8)) }
}

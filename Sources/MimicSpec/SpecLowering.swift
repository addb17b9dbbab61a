import MimicBasics
import MimicYAML

/// Lowers a merged spec tree (see `SpecLoader`) into the typed `Spec`.
public enum SpecLowering {
    public static let topLevelKeys = ["mimicc", "name", "extends", "abstract", "model", "data", "teacher", "train", "search", "study"]

    public static func lower(_ root: Node, file: String) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        var lowerer = Lowerer()
        guard lowerer.mapping(root, "spec", allowed: topLevelKeys) != nil else {
            return (nil, lowerer.diagnostics.diagnostics)
        }
        let isAbstract = root["abstract"].flatMap { lowerer.bool($0, "abstract") } ?? false
        lowerer.requireComplete = !isAbstract
        let name = root["name"].flatMap { lowerer.string($0, "name") } ?? Self.stem(of: file)

        let model = lowerer.required(root, "model", in: "spec").flatMap { lowerer.lowerModel($0) }
        let imageSide = model?.input.dropFirst().min() ?? 32
        let data = root["data"].flatMap { lowerer.lowerData($0, imageSide: imageSide) }
        let teacher = root["teacher"].flatMap { lowerer.lowerTeacher($0, relativeTo: SpecPath.directory(of: file)) }
        let train = root["train"].flatMap { lowerer.lowerTrain($0) }
        let search = root["search"].flatMap { lowerer.lowerSearch($0) }
        let study = root["study"].flatMap { lowerer.lowerStudy($0) }

        // Read from the node, so the check runs even when other train settings are wrong.
        if let loss = root["train"]?["loss"], Self.needsTeacher(loss), root["teacher"] == nil, !isAbstract {
            lowerer.diagnostics.error(
                .missingKey, "this loss needs a 'teacher' to mimic", at: loss.location,
                notes: [DiagnosticNote("add 'teacher: {logits: {train: ..., test: ...}}', or use 'loss: cross-entropy'")])
        }
        if let search {
            let resolver = SearchPathResolver(root: root, layers: model?.layers ?? [])
            for dimension in search.space {
                let before = lowerer.diagnostics.errorCount
                resolver.check(dimension, into: &lowerer.diagnostics)
                if lowerer.diagnostics.errorCount == before {
                    SearchBoundsCheck.check(dimension, root: root, into: &lowerer.diagnostics)
                }
            }
        }
        let spec = Spec(file: file, name: name, isAbstract: isAbstract, model: model, data: data, teacher: teacher,
                        train: train, search: search, study: study, root: root)
        return (lowerer.diagnostics.hasErrors ? nil : spec, lowerer.diagnostics.diagnostics)
    }

    private static func needsTeacher(_ loss: Node) -> Bool {
        let name = loss.scalar?.text ?? loss.mapping?.first?.name
        return name == "mimic" || name == "kd"
    }

    /// `specs/cnn2-1M.yaml` -> `cnn2-1M`.
    static func stem(of file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        for suffix in [".yaml", ".yml"] where base.hasSuffix(suffix) { return String(base.dropLast(suffix.count)) }
        return base
    }
}

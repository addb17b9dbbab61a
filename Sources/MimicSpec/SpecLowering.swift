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
        let data = root["data"].flatMap { lowerer.lowerData($0, model: model) }
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
        if let search, search.start == .spec, !isAbstract {
            let own = Spec(file: file, name: name, isAbstract: isAbstract, model: model, data: data, teacher: teacher,
                           train: train, search: search, study: study, root: root)
            for dimension in search.space {
                guard let node = SearchPathResolver.value(at: dimension.path, in: own),
                      dimension.distribution.unit(of: node) == nil else { continue }
                lowerer.diagnostics.error(
                    .searchDimension,
                    "'search.start: spec' needs the spec's own '\(dimension.path)' (\(node.scalar?.text ?? "?")) within its search range",
                    at: dimension.location, notes: [DiagnosticNote("the spec's value is here", at: node.location)])
            }
        }
        if let fidelity = search?.fidelity, let epochs = train?.epochs, !isAbstract {
            Self.checkRungs(fidelity, epochs: epochs, method: search?.method, into: &lowerer.diagnostics)
        }
        let spec = Spec(file: file, name: name, isAbstract: isAbstract, model: model, data: data, teacher: teacher,
                        train: train, search: search, study: study, root: root)
        return (lowerer.diagnostics.hasErrors ? nil : spec, lowerer.diagnostics.diagnostics)
    }

    /// A multi-fidelity search needs two rungs at least, and no more brackets than rungs; a
    /// grid has one bracket (later brackets' trials would repeat its points).
    static func checkRungs(_ fidelity: Fidelity, epochs: Int, method: SearchMethod?, into diagnostics: inout DiagnosticBag) {
        let rungs = fidelity.rungs(epochs: epochs)
        if rungs.count < 2 {
            diagnostics.error(
                .fidelityRungs,
                "'search.fidelity' has one rung only: min-epochs \(fidelity.minEpochs) times reduction \(fidelity.reduction) exceeds train.epochs (\(epochs))",
                at: fidelity.location,
                notes: [DiagnosticNote("lower min-epochs or reduction, or raise train.epochs; rungs are min-epochs x reduction^k, then train.epochs")])
        } else if fidelity.brackets > rungs.count {
            diagnostics.error(
                .fidelityRungs,
                "'search.fidelity.brackets' is \(fidelity.brackets), but there are only \(rungs.count) rungs (epochs "
                    + rungs.map(String.init).joined(separator: ", ") + ")",
                at: fidelity.location, notes: [DiagnosticNote("each bracket starts one rung later; use at most \(rungs.count)")])
        } else if fidelity.brackets > 1, method == .grid {
            diagnostics.error(
                .fidelityRungs, "a grid search has one bracket: Hyperband's later brackets would train the grid's points again",
                at: fidelity.location, notes: [DiagnosticNote("use 'brackets: 1' (successive halving over the grid), or method 'random' or 'bayes'")])
        }
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

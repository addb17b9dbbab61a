import MimicBasics
import MimicVocabulary
import MimicYAML

extension Lowerer {
    static let modelKeys = ["input", "classes", "layers", "architecture", "budget", "output"]

    mutating func lowerModel(_ node: Node) -> Model? {
        guard let model = mapping(node, "model", allowed: Self.modelKeys) else { return nil }
        var input = [3, 32, 32]
        var inputLocation = model.location
        if let node = model["input"] {
            inputLocation = node.location
            if let items = node.sequence, items.count == 3 {
                let dims = items.compactMap { int($0, "model.input", min: 1) }
                if dims.count == 3 { input = dims }
            } else {
                wrongType(node, expected: "a list of three integers [channels, height, width]", for: "model.input")
            }
        }
        let classes = model["classes"].flatMap { int($0, "model.classes", min: 2) } ?? 10

        var layers: [Layer] = []
        var architecture: String?
        switch (model["layers"], model["architecture"]) {
        case (let list?, let string?):
            diagnostics.error(
                .conflictingOptions, "'model' gives both 'layers' and 'architecture'", at: string.location,
                notes: [DiagnosticNote("'layers' is given here; keep one of the two",
                                       at: model.entry("layers")?.key.location ?? list.location)])
        case (let list?, nil):
            layers = lowerLayers(list)
        case (nil, let string?):
            if let text = self.string(string, "model.architecture") {
                architecture = text
                let parsed = ArchitectureNotation.parse(text, at: Self.contentStart(of: string))
                diagnostics.add(contentsOf: parsed.diagnostics)
                layers = parsed.layers
            }
        case (nil, nil):
            if requireComplete {
                diagnostics.error(
                    .missingKey, "'model' needs 'layers' or 'architecture'", at: model.location,
                    notes: [DiagnosticNote("for example: architecture: \"64c5-mp2-64c5-mp2-depfc\"")])
            }
        }

        let budget = model["budget"].flatMap { lowerBudget($0) }
        // A bad output mapping is reported; lowering goes on without it.
        let output = model["output"].flatMap { lowerOutput($0) } ?? OutputLayer()
        checkDependentWidths(layers, budget: budget)
        var lowered = Model(
            input: input, inputLocation: inputLocation, classes: classes, layers: layers, budget: budget, output: output,
            architecture: architecture, location: model.location)
        lowered.classesLocation = model["classes"]?.location ?? model.location
        lowered.inputGiven = model["input"] != nil
        lowered.classesGiven = model["classes"] != nil
        return lowered
    }

    /// Where the text of a scalar starts: past the opening quote of a quoted scalar. Block
    /// scalars start on the next line, so their diagnostics point at the indicator instead.
    static func contentStart(of node: Node) -> SourceLocation {
        switch node.scalar?.style {
        case .singleQuoted?, .doubleQuoted?: node.location.advanced(by: 1)
        default: node.location
        }
    }

    private mutating func lowerLayers(_ node: Node) -> [Layer] {
        guard let items = node.sequence else {
            wrongType(node, expected: "a list of layers", for: "model.layers")
            return []
        }
        if items.isEmpty && requireComplete {
            outOfRange(node, "model.layers", "must list at least one layer",
                       notes: [DiagnosticNote("the output layer of 'classes' units is added implicitly")])
        }
        return items.compactMap { lowerLayer($0) }
    }

    private mutating func lowerLayer(_ item: Node) -> Layer? {
        guard let (keyword, body, _) = variant(item, "layer", among: Layer.kinds.map { $0.keyword }),
            let kind = Layer.kinds.first(where: { $0.keyword == keyword })
        else { return nil }
        return kind.lower(body, item: item, &self)?.layer
    }

    /// The parameter mapping of a layer kind that needs one (`conv` alone says nothing).
    mutating func requiredBody(_ body: Node?, _ kind: String, at item: Node, keys: [String]) -> Node? {
        guard let body else {
            diagnostics.error(
                .missingKey, "'\(kind)' needs its settings", at: item.location,
                notes: [DiagnosticNote("for example: - \(kind): {\(keys[0]): ...}")])
            return nil
        }
        return mapping(body, kind, allowed: keys)
    }

    mutating func width(_ node: Node, _ what: String) -> Width? {
        if node.scalar?.text == "dependent" { return .dependent }
        if node.int == nil, let text = node.scalar?.text, Suggestion.distance(text, "dependent") <= 3 {
            diagnostics.error(.wrongType, "'\(what)' must be a positive integer or 'dependent', found '\(text)'",
                              at: node.location, notes: [DiagnosticNote("did you mean 'dependent'?")])
            return nil
        }
        if node.int == nil {
            wrongType(node, expected: "a positive integer or 'dependent'", for: what)
            return nil
        }
        return int(node, what, min: 1).map(Width.fixed)
    }

    mutating func lowerActivation(_ node: Node?, _ what: String) -> Activation? {
        guard let node else { return .relu }
        return choice(node, what, among: Activation.allCases.map(\.rawValue)).flatMap(Activation.init(rawValue:))
    }

    private mutating func lowerOutput(_ node: Node) -> OutputLayer? {
        guard let output = mapping(node, "model.output", allowed: ["bias", "scale"]) else { return nil }
        let bias = output["bias"].map { bool($0, "model.output.bias") } ?? true
        var scale: Double?? = .some(nil)
        if let node = output["scale"] {
            scale = double(node, "model.output.scale").map { $0 }
            if scale == .some(.some(0)) {
                outOfRange(node, "model.output.scale", "must not be 0 (it would zero every logit)")
                scale = nil
            }
        }
        guard let bias, let scale else { return nil }
        return OutputLayer(bias: bias, scale: scale, location: node.location)
    }

    private mutating func lowerBudget(_ node: Node) -> Budget? {
        guard let budget = mapping(node, "model.budget", allowed: ["params", "tolerance"]) else { return nil }
        guard let paramsNode = required(budget, "params", in: "model.budget") else { return nil }
        guard let text = paramsNode.scalar?.text, let params = Quantity.count(text) else {
            wrongType(paramsNode, expected: "a parameter count such as 1M, 3.16M or 1000000", for: "model.budget.params")
            return nil
        }
        var tolerance = 0.01
        if let node = budget["tolerance"] {
            guard let text = node.scalar?.text, let value = Quantity.fraction(text) else {
                wrongType(node, expected: "a fraction such as 0.5% or 0.005", for: "model.budget.tolerance")
                return nil
            }
            guard value >= 0, value <= 0.5 else {
                outOfRange(node, "model.budget.tolerance", "must lie between 0% and 50%, found \(text)")
                return nil
            }
            tolerance = value
        }
        return Budget(params: params, tolerance: tolerance, location: node.location)
    }

    /// At most one width may be dependent, and only when there is a budget to solve it from.
    private mutating func checkDependentWidths(_ layers: [Layer], budget: Budget?) {
        let dependent = layers.filter { $0.width == .dependent }
        if dependent.count > 1 {
            for extra in dependent.dropFirst() {
                diagnostics.error(
                    .multipleDependent, "only one layer width may be 'dependent'", at: extra.location,
                    notes: [DiagnosticNote("the first dependent width is here", at: dependent[0].location),
                            DiagnosticNote("a budget fixes one unknown; give this width a number")])
            }
        }
        if let first = dependent.first, budget == nil, requireComplete {
            diagnostics.error(
                .dependentWithoutBudget, "a 'dependent' width needs 'model.budget'", at: first.location,
                notes: [DiagnosticNote("add 'budget: {params: 1M}' under 'model'")])
        }
    }
}

import MimicBasics
import MimicGraph
import MimicVocabulary
import MimicYAML

/// A layer kind, defined in one place: how a spec writes it (lowering, the settings written
/// back, which settings a search may vary, its JSON Schema), what it does to shapes and what
/// it costs, and the graph ops it lowers to. Each kind is a struct in
/// `Sources/MimicSpec/Layers/`; `Layer` (Model.swift) lists them. The compiler holds every
/// kind to every requirement below.
public protocol LayerKind: Sendable, Equatable {
    /// The spec keyword (`conv`).
    static var keyword: String { get }
    /// The prefix of layer names in graphs and reports (`conv1`, `pool1`, `bn1`).
    static var namePrefix: String { get }
    /// Whether the kind may be written as a bare word (`- flatten`), all settings defaulted.
    static var settingsOptional: Bool { get }
    /// The JSON Schema of the settings mapping, as one property of `$defs.layer` in
    /// `mimicc schema` (indented to sit there).
    static var schema: String { get }
    /// Lowers `- keyword: body` (`body` nil when the settings were omitted or null), reporting
    /// every problem to `lowerer`.
    static func lower(_ body: Node?, item: Node, _ lowerer: inout Lowerer) -> Self?

    var location: SourceLocation { get set }
    /// The layer as a case of `Layer`.
    var layer: Layer { get }
    /// The settings written back, each explicit, in order (a model written in the compact
    /// notation becomes a list a search can address).
    var settings: [(key: String, value: String)] { get }
    /// What a search may put in setting `key`; nil when it cannot be searched.
    func searchable(_ key: String) -> SearchValueKind?
    /// The same layer with every location erased, to compare layers by structure (the
    /// default erases `location`; a kind with more locations erases them too).
    var withoutLocations: Self { get }
    /// The output shape for `input`, or nil after reporting why to `check`.
    func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape?
    /// Trained parameters and forward FLOPs per image, for shapes that are known.
    func cost(input: TensorShape, output: TensorShape) -> LayerCost?
    /// Appends the layer's ops to the graph being built.
    func emit(_ emitter: inout LayerEmitter)
}

/// Kinds with a width (filters, units) that a budget can solve.
public protocol WidthLayerKind: LayerKind {
    var width: Width { get }
    func with(width: Int) -> Self
}

extension LayerKind {
    public var keyword: String { Self.keyword }

    public var withoutLocations: Self {
        var copy = self
        copy.location = .nowhere
        return copy
    }
}

/// The kind of value a search may put into a setting.
public enum SearchValueKind: Equatable, Sendable {
    case integer, real, boolean, word, dependent
}

/// Parameters and forward FLOPs (a multiply-add counted as 2) of one image through a layer.
public struct LayerCost: Sendable, Equatable {
    public var params: Int
    public var flops: Int

    public init(params: Int, flops: Int) {
        self.params = params
        self.flops = flops
    }

    public static let free = LayerCost(params: 0, flops: 0)
}

/// Shape inference's report for one layer: errors carry a note at the layer (or the model
/// input) the bad shape came from.
public struct ShapeCheck {
    public let source: DiagnosticNote
    public private(set) var diagnostics: [Diagnostic] = []

    public init(source: DiagnosticNote) { self.source = source }

    public mutating func fail(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, hint: String? = nil) {
        var notes = [source]
        if let hint { notes.append(DiagnosticNote(hint)) }
        diagnostics.append(.error(code, message, at: location, notes: notes))
    }

    /// The input's channels, height and width, or nil after reporting that `layer` needs an
    /// image-shaped input.
    public mutating func spatial(_ input: TensorShape, for layer: some LayerKind) -> (channels: Int?, height: Int, width: Int)? {
        if case .spatial(let c, let h, let w) = input { return (c, h, w) }
        fail(.spatialAfterFlatten, "'\(layer.keyword)' needs an image-shaped input, but its input is flat (\(input))",
             at: layer.location, hint: "put convolutions and pools before 'flatten' and dense layers")
        return nil
    }
}

/// The graph under construction as one layer sees it: the value it receives (`x`, which the
/// layer replaces with its output), the layer's name and location, and whether the graph
/// trains (dropout and batchnorm differ).
public struct LayerEmitter {
    public internal(set) var graph: Graph
    public var x: ValueID
    public private(set) var name: String
    public private(set) var origin: SourceLocation
    public let training: Bool

    public init(graph: Graph, x: ValueID, name: String, origin: SourceLocation, training: Bool) {
        self.graph = graph
        self.x = x
        self.name = name
        self.origin = origin
        self.training = training
    }

    /// Moves on to the next layer; one emitter builds the whole graph, so the graph is never
    /// copied between layers.
    public mutating func begin(_ layer: String, at origin: SourceLocation) {
        name = layer
        self.origin = origin
    }

    /// The shape of the value the layer receives.
    public var shape: [Int] { graph[x].shape }

    /// A trained parameter of the layer (`conv1.weight`), started by the run's scheme unless
    /// `initialization` says otherwise.
    public mutating func parameter(_ suffix: String, _ shape: [Int], initialization: ValueInit = .scheme) -> ValueID {
        graph.addValue("\(name).\(suffix)", shape: shape, role: .parameter, origin: origin, initialization: initialization)
    }

    /// A persistent untrained value of the layer (batchnorm's running statistics, a frozen
    /// scale), 0 at the start unless `initialization` is `.one`.
    public mutating func state(_ suffix: String, _ shape: [Int], initialization: ValueInit = .scheme) -> ValueID {
        graph.addValue("\(name).\(suffix)", shape: shape, role: .state, origin: origin, initialization: initialization)
    }

    /// Appends one op, its outputs typed by the kind's shape rule and named `layer.name`.
    @discardableResult
    public mutating func emit(_ kind: any OpKind, _ inputs: [ValueID], _ names: [String], roles: [ValueRole]? = nil) -> [ValueID] {
        let shapes: [[Int]]
        switch kind.outputShapes(inputs.map { graph[$0].shape }) {
        case .success(let s): shapes = s
        case .failure(let e): preconditionFailure("internal error: \(name) \(kind.mnemonic): \(e.reason)")
        }
        let outputs = zip(names, shapes).enumerated().map { i, pair in
            graph.addValue("\(name).\(pair.0)", shape: pair.1, role: roles?[i] ?? .activation, origin: origin)
        }
        graph.append(Op(kind, inputs: inputs, outputs: outputs, layer: name, origin: origin))
        return outputs
    }

    /// Flattens an image-shaped `x`, for layers that take features.
    public mutating func flattenIfSpatial() {
        if shape.count > 1 { x = emit(Ops.Flatten(), [x], ["flat"])[0] }
    }

    /// bias_add (when there is a bias), then the activation unless it is `none`: the last
    /// value is named `out`.
    public mutating func biasAndActivation(_ bias: ValueID?, _ activation: Activation) {
        if let bias { x = emit(Ops.BiasAdd(), [x, bias], activation == .none ? ["out"] : ["pre"])[0] }
        if activation != .none { x = emit(Ops.Activate(activation), [x], ["out"])[0] }
    }
}

extension Width {
    /// The solved width; lowering to a graph happens after the budget solver fixed it.
    public var solved: Int {
        guard case .fixed(let n) = self else { preconditionFailure("internal error: unsolved width") }
        return n
    }

    var searchKind: SearchValueKind { self == .dependent ? .dependent : .integer }
}

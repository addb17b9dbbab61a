import MimicBasics
import MimicGraph
import MimicVocabulary
import MimicYAML

public enum Padding: Sendable, Equatable, CustomStringConvertible {
    /// Output has the input's spatial size (odd kernels, stride 1).
    case same
    /// No padding.
    case valid
    /// This many zeros on every side.
    case explicit(Int)

    public var description: String {
        switch self {
        case .same: "same"
        case .valid: "valid"
        case .explicit(let n): "\(n)"
        }
    }

    /// Zeros on each side for a kernel of size `kernel`.
    public func amount(kernel: Int) -> Int {
        switch self {
        case .same: (kernel - 1) / 2
        case .valid: 0
        case .explicit(let p): p
        }
    }
}

/// How a convolution's weights start, when not by the run's `train.init` scheme.
public enum ConvInit: Sendable, Equatable {
    case scheme
    /// The first min(filters, channels) filters start as the identity (the fast recipe's).
    case dirac
    /// Filters that whiten the layer's input patches (see `ValueInit.whitening`).
    case whitening(epsilon: Double, images: Int)

    var value: ValueInit {
        switch self {
        case .scheme: .scheme
        case .dirac: .dirac
        case .whitening(let epsilon, let images): .whitening(epsilon: epsilon, images: images)
        }
    }
}

/// A 2-D convolution with a bias (unless `bias: false`, as before a batchnorm, whose shift
/// makes it redundant) and an activation (ReLU unless stated).
public struct Conv: WidthLayerKind {
    public var filters: Width
    public var kernel: Int
    public var stride: Int
    public var padding: Padding
    public var activation: Activation
    public var bias: Bool
    public var initialization: ConvInit
    /// The weights stay as initialised (the whitening stem of the fast recipe): they are
    /// model state, not parameters, so they are neither trained nor counted.
    public var frozen: Bool
    public var location: SourceLocation
    /// Where the kernel size was written, or the layer when it was not.
    public var kernelLocation: SourceLocation

    public init(
        filters: Width, kernel: Int = 3, stride: Int = 1, padding: Padding = .same,
        activation: Activation = .relu, bias: Bool = true, initialization: ConvInit = .scheme, frozen: Bool = false,
        location: SourceLocation = .nowhere, kernelLocation: SourceLocation? = nil
    ) {
        self.bias = bias
        self.initialization = initialization
        self.frozen = frozen
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.location = location
        self.kernelLocation = kernelLocation ?? location
    }

    public static let keyword = "conv"
    public static let namePrefix = "conv"
    public static let settingsOptional = false
    public static let schema = """
        "conv": {"type": "object", "additionalProperties": false, "properties": {
          "filters": {"$ref": "#/$defs/width"},
          "kernel": {"type": "integer", "minimum": 1, "default": 3},
          "stride": {"type": "integer", "minimum": 1, "default": 1},
          "padding": {"oneOf": [{"enum": ["same", "valid"]}, {"type": "integer", "minimum": 0}], "default": "same"},
          "activation": {"$ref": "#/$defs/activation"},
          "bias": {"type": "boolean", "default": true},
          "init": {"enum": ["dirac", "whitening"], "description": "dirac: the first min(filters, channels) filters start as the identity. whitening: 2 x channels x kernel^2 filters whiten the input's patches (eigenvectors of their covariance over training images, scaled by 1/sqrt(eigenvalue + whitening-epsilon), and their negatives)."},
          "whitening-epsilon": {"type": "number", "exclusiveMinimum": 0, "default": 0.0005},
          "whitening-images": {"type": "integer", "minimum": 1, "default": 5000},
          "frozen": {"type": "boolean", "default": false, "description": "The weights stay as initialised (needs init: whitening)."}}}
        """

    public static func lower(_ body: Node?, item: Node, _ l: inout Lowerer) -> Conv? {
        let at = item.location
        guard let body = l.requiredBody(body, keyword, at: item, keys: ["filters", "kernel", "stride", "padding", "activation", "bias", "init",
                                                                                 "whitening-epsilon", "whitening-images", "frozen"])
        else { return nil }
        let filters = l.required(body, "filters", in: "conv").flatMap { l.width($0, "conv.filters") }
        let kernelNode = body["kernel"]
        let kernel = l.int(in: body, "kernel", "conv.kernel", default: 3, min: 1)
        let stride = l.int(in: body, "stride", "conv.stride", default: 1, min: 1)
        let padding = body["padding"].map { lowerPadding($0, &l) } ?? .same
        let activation = l.lowerActivation(body["activation"], "conv.activation")
        let bias = body["bias"].map { l.bool($0, "conv.bias") } ?? true
        let initName = body["init"].map { l.choice($0, "conv.init", among: ["dirac", "whitening"]) } ?? "scheme"
        let epsilon = l.double(in: body, "whitening-epsilon", "conv.whitening-epsilon", default: 5e-4, above: 0)
        let images = l.int(in: body, "whitening-images", "conv.whitening-images", default: 5000, min: 1)
        let frozen = body["frozen"].map { l.bool($0, "conv.frozen") } ?? false
        guard let filters, let kernel, let stride, let padding, let activation, let bias, let initName, let epsilon, let images,
            let frozen
        else { return nil }
        for key in ["whitening-epsilon", "whitening-images"] where initName != "whitening" {
            if let node = body[key] {
                l.diagnostics.error(.conflictingOptions, "'\(key)' needs 'init: whitening'", at: node.location)
                return nil
            }
        }
        if frozen && initName != "whitening", let node = body["frozen"] {
            l.diagnostics.error(
                .conflictingOptions, "'frozen' needs 'init: whitening'", at: node.location,
                notes: [DiagnosticNote("only whitening filters are worth keeping as they start")])
            return nil
        }
        let initialization: ConvInit = switch initName {
        case "dirac": .dirac
        case "whitening": .whitening(epsilon: epsilon, images: images)
        default: .scheme
        }
        if padding == .same {
            if stride != 1, let node = body["stride"] {
                l.diagnostics.error(
                    .conflictingOptions, "padding 'same' needs stride 1, found \(stride)", at: node.location,
                    notes: [DiagnosticNote("give an explicit padding such as 'padding: \((kernel - 1) / 2)'")])
                return nil
            }
            if kernel % 2 == 0 {
                l.diagnostics.error(
                    .conflictingOptions, "padding 'same' needs an odd kernel, found \(kernel)",
                    at: kernelNode?.location ?? at,
                    notes: [DiagnosticNote("use an odd kernel or an explicit padding")])
                return nil
            }
        }
        return Conv(filters: filters, kernel: kernel, stride: stride, padding: padding,
                    activation: activation, bias: bias, initialization: initialization, frozen: frozen, location: at,
                    kernelLocation: kernelNode?.location ?? at)
    }

    private static func lowerPadding(_ node: Node, _ l: inout Lowerer) -> Padding? {
        if node.int != nil { return l.int(node, "conv.padding", min: 0).map(Padding.explicit) }
        switch l.choice(node, "conv.padding", among: ["same", "valid"]) {
        case "same": return .same
        case "valid": return .valid
        default: return nil
        }
    }

    public var layer: Layer { .conv(self) }
    public var width: Width { filters }

    public func with(width: Int) -> Conv {
        var copy = self
        copy.filters = .fixed(width)
        return copy
    }

    /// `bias`, `init` and `frozen` are written only when set, so specs written before them keep their hash.
    public var settings: [(key: String, value: String)] {
        var fields = [("filters", filters.description), ("kernel", "\(kernel)"), ("stride", "\(stride)"),
                      ("padding", padding.description), ("activation", activation.rawValue)]
            + (bias ? [] : [("bias", "false")])
        switch initialization {
        case .scheme: break
        case .dirac: fields.append(("init", "dirac"))
        case .whitening(let epsilon, let images):
            fields += [("init", "whitening"), ("whitening-epsilon", "\(epsilon)"), ("whitening-images", "\(images)")]
        }
        return fields + (frozen ? [("frozen", "true")] : [])
    }

    public func searchable(_ key: String) -> SearchValueKind? {
        switch key {
        case "filters": filters.searchKind
        case "kernel", "stride": .integer
        case "activation": .word
        default: nil
        }
    }

    public var withoutLocations: Conv {
        var copy = self
        copy.location = .nowhere
        copy.kernelLocation = .nowhere
        return copy
    }

    public func output(_ input: TensorShape, _ check: inout ShapeCheck) -> TensorShape? {
        guard let (_, h, w) = check.spatial(input, for: self) else { return nil }
        let pad = padding.amount(kernel: kernel)
        guard h + 2 * pad >= kernel, w + 2 * pad >= kernel else {
            check.fail(.windowTooLarge,
                       "kernel \(kernel)x\(kernel) is larger than its \(h)x\(w) input" + (pad > 0 ? " padded by \(pad)" : ""),
                       at: kernelLocation, hint: "use a smaller kernel, more padding, or fewer pools before this layer")
            return nil
        }
        let side = { (n: Int) in (n + 2 * pad - kernel) / stride + 1 }
        var channels: Int?
        if case .fixed(let n) = filters { channels = n }
        if case .whitening = initialization, case .spatial(let c?, _, _) = input,
           case let patch = SaturatingCount.product(c, kernel, kernel), channels != SaturatingCount.product(2, patch) {
            let needed = SaturatingCount.product(2, patch)
            check.fail(.conflictingOptions,
                       "init 'whitening' makes 2 x \(c) x \(kernel)x\(kernel) = \(needed) filters "
                           + "(each eigenvector of the \(patch)-value patches and its negative); 'filters' is \(filters)",
                       at: location, hint: "set 'filters: \(needed)'")
            return nil
        }
        return .spatial(channels: channels, height: side(h), width: side(w))
    }

    public func cost(input: TensorShape, output: TensorShape) -> LayerCost? {
        guard case .spatial(let cin?, _, _) = input, case .spatial(let cout?, let h, let w) = output else { return nil }
        let weights = SaturatingCount.product(kernel, kernel, cin, cout)
        return LayerCost(params: SaturatingCount.sum(frozen ? 0 : weights, bias ? cout : 0),
                         flops: SaturatingCount.product(2, weights, h, w))
    }

    public func emit(_ e: inout LayerEmitter) {
        let shape = [filters.solved, e.shape[0], kernel, kernel]
        let w = frozen ? e.state("weight", shape, initialization: initialization.value)
            : e.parameter("weight", shape, initialization: initialization.value)
        let b = bias ? e.parameter("bias", [filters.solved]) : nil
        let op = Ops.Conv2D(kernel: kernel, stride: stride, padding: padding.amount(kernel: kernel))
        e.x = e.emit(op, [e.x, w], [b == nil && activation == .none ? "out" : "conv"])[0]
        e.biasAndActivation(b, activation)
    }
}

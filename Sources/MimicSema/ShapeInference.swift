import MimicBasics
import MimicSpec

/// Threads the input shape through the layers, reporting each layer that cannot accept
/// what it receives, with a note at the layer (or the model input) it received it from.
public enum ShapeInference {
    public struct Result: Sendable {
        /// The output shape of each layer, in order, then that of the implicit output layer.
        /// Layers after an error keep the last good shape, so one mistake is reported once.
        public var shapes: [TensorShape]
        public var diagnostics: [Diagnostic]
    }

    public static func infer(_ model: Model) -> Result {
        var current = TensorShape.spatial(channels: model.input[0], height: model.input[1], width: model.input[2])
        var source = DiagnosticNote("it receives the model input \(current)", at: model.inputLocation)
        var shapes: [TensorShape] = []
        var diagnostics: [Diagnostic] = []

        func fail(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, hint: String? = nil) {
            var notes = [source]
            if let hint { notes.append(DiagnosticNote(hint)) }
            diagnostics.append(.error(code, message, at: location, notes: notes))
        }

        for layer in model.layers {
            var next: TensorShape?
            switch (layer, current) {
            case (.conv(let conv), .spatial(_, let h, let w)):
                let pad: Int
                switch conv.padding {
                case .same: pad = (conv.kernel - 1) / 2
                case .valid: pad = 0
                case .explicit(let p): pad = p
                }
                if h + 2 * pad < conv.kernel || w + 2 * pad < conv.kernel {
                    fail(.windowTooLarge,
                         "kernel \(conv.kernel)x\(conv.kernel) is larger than its \(h)x\(w) input" + (pad > 0 ? " padded by \(pad)" : ""),
                         at: conv.kernelLocation, hint: "use a smaller kernel, more padding, or fewer pools before this layer")
                } else {
                    let side = { (n: Int) in (n + 2 * pad - conv.kernel) / conv.stride + 1 }
                    var channels: Int?
                    if case .fixed(let n) = conv.filters { channels = n }
                    next = .spatial(channels: channels, height: side(h), width: side(w))
                }
            case (.maxpool(let pool), .spatial(let c, let h, let w)):
                if h < pool.size || w < pool.size {
                    fail(.emptyShape, "max-pool \(pool.size)x\(pool.size) shrinks its \(h)x\(w) input to nothing",
                         at: pool.location, hint: "use a smaller pool or remove this one")
                } else {
                    next = .spatial(channels: c, height: (h - pool.size) / pool.stride + 1,
                                    width: (w - pool.size) / pool.stride + 1)
                }
            case (.conv, .flat), (.maxpool, .flat):
                fail(.spatialAfterFlatten, "'\(layer.keyword)' needs an image-shaped input, but its input is flat (\(current))",
                     at: layer.location, hint: "put convolutions and pools before 'flatten' and dense layers")
            case (.flatten, _):
                next = .flat(features: current.elementCount)
            case (.dense(let dense), _):
                next = .flat(features: fixed(dense.units))
            case (.linear(let linear), _):
                next = .flat(features: fixed(linear.units))
            case (.dropout, _), (.batchnorm, _):
                next = current
            }
            if let next {
                current = next
                source = DiagnosticNote("it receives the \(current) output of '\(layer.keyword)'", at: layer.location)
            }
            shapes.append(current)
        }
        shapes.append(.flat(features: model.classes))
        return Result(shapes: shapes, diagnostics: diagnostics)
    }

    private static func fixed(_ width: Width) -> Int? {
        if case .fixed(let n) = width { return n }
        return nil
    }
}

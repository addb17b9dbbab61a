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

        for layer in model.layers {
            var check = ShapeCheck(source: source)
            if let next = layer.kind.output(current, &check) {
                current = next
                source = DiagnosticNote("it receives the \(current) output of '\(layer.keyword)'", at: layer.location)
            }
            diagnostics += check.diagnostics
            shapes.append(current)
        }
        // The output layer and its scale, if any, give the logits.
        shapes += model.output.layers(classes: model.classes, at: model.location).map { _ in .flat(features: model.classes) }
        return Result(shapes: shapes, diagnostics: diagnostics)
    }
}

import MimicBasics
import MimicGraph
import MimicSema
import MimicSpec
import MimicVocabulary

/// Lowers a checked model (every width fixed) to the forward graph: each layer appends its
/// primitive ops (`LayerKind.emit`), then the implicit output layer and, for training, the
/// loss.
public enum GraphBuilder {
    public enum Mode: Sendable, Equatable {
        /// Ends in the loss against a target; dropout is active.
        case training(LossKind)
        /// Ends in the logits; dropout is the identity and is left out.
        case inference
    }

    public static func forward(_ analysis: ModelAnalysis, name: String, mode: Mode) -> Graph {
        var g = Graph(name: name)
        let model = analysis.model
        let input = g.addValue("input", shape: model.input, role: .input, origin: model.inputLocation)
        let training = if case .training = mode { true } else { false }
        var emitter = LayerEmitter(graph: g, x: input, name: "input", origin: model.inputLocation, training: training)
        for (layer, count) in zip(model.layersWithOutput, analysis.layers) {
            emitter.begin(count.name, at: count.location)
            layer.kind.emit(&emitter)
        }
        g = emitter.graph
        let x = emitter.x
        switch mode {
        case .training(let loss):
            var targets: [ValueID] = []
            if loss.needsTeacher {
                targets.append(g.addValue("teacher", shape: [model.classes], role: .target, origin: model.location))
            }
            if loss.needsLabels {
                targets.append(g.addValue("label", shape: [], role: .target, origin: model.location))
            }
            let value = g.addValue("loss", shape: [], role: .loss, origin: model.location)
            g.append(Op(Ops.Loss(loss), inputs: [x] + targets, outputs: [value], layer: "loss", origin: model.location))
            g.outputs = [value]
        case .inference:
            g.outputs = [x]
        }
        return g
    }
}

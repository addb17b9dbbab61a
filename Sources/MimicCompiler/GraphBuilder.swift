import MimicBasics
import MimicGraph
import MimicSema
import MimicSpec
import MimicVocabulary

/// Lowers a checked model (every width fixed) to the forward graph: each layer becomes its
/// primitive ops, the implicit output layer and, for training, the loss.
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
        var x = g.addValue("input", shape: model.input, role: .input, origin: model.inputLocation)
        let layers = model.layers + [LayerCounter.outputLayer(model)]
        for (layer, count) in zip(layers, analysis.layers) {
            let at = count.location
            let n = count.name
            func param(_ suffix: String, _ shape: [Int]) -> ValueID {
                g.addValue("\(n).\(suffix)", shape: shape, role: .parameter, origin: at)
            }
            func emit(_ kind: any OpKind, _ inputs: [ValueID], _ names: [String], roles: [ValueRole]? = nil) -> [ValueID] {
                let shapes: [[Int]]
                switch kind.outputShapes(inputs.map { g[$0].shape }) {
                case .success(let s): shapes = s
                case .failure(let e): preconditionFailure("internal error: \(n) \(kind.mnemonic): \(e.reason)")
                }
                let outputs = zip(names, shapes).enumerated().map { i, pair in
                    g.addValue("\(n).\(pair.0)", shape: pair.1, role: roles?[i] ?? .activation, origin: at)
                }
                g.append(Op(kind, inputs: inputs, outputs: outputs, layer: n, origin: at))
                return outputs
            }
            func flattenIfSpatial() {
                if g[x].shape.count > 1 { x = emit(Ops.Flatten(), [x], ["flat"])[0] }
            }
            switch layer {
            case .conv(let conv):
                let cin = g[x].shape[0]
                guard case .fixed(let filters) = conv.filters else { preconditionFailure("internal error: unsolved width") }
                let pad: Int
                switch conv.padding {
                case .same: pad = (conv.kernel - 1) / 2
                case .valid: pad = 0
                case .explicit(let p): pad = p
                }
                let w = param("weight", [filters, cin, conv.kernel, conv.kernel])
                let b = param("bias", [filters])
                x = emit(Ops.Conv2D(kernel: conv.kernel, stride: conv.stride, padding: pad), [x, w], ["conv"])[0]
                x = emit(Ops.BiasAdd(), [x, b], conv.activation == .none ? ["out"] : ["pre"])[0]
                if conv.activation != .none { x = emit(Ops.Activate(conv.activation), [x], ["out"])[0] }
            case .dense(let dense):
                flattenIfSpatial()
                guard case .fixed(let units) = dense.units else { preconditionFailure("internal error: unsolved width") }
                let w = param("weight", [units, g[x].shape[0]])
                let b = param("bias", [units])
                x = emit(Ops.MatMul(), [x, w], ["matmul"])[0]
                x = emit(Ops.BiasAdd(), [x, b], dense.activation == .none ? ["out"] : ["pre"])[0]
                if dense.activation != .none { x = emit(Ops.Activate(dense.activation), [x], ["out"])[0] }
            case .linear(let linear):
                flattenIfSpatial()
                guard case .fixed(let units) = linear.units else { preconditionFailure("internal error: unsolved width") }
                let w = param("weight", [units, g[x].shape[0]])
                let b = param("bias", [units])
                x = emit(Ops.MatMul(), [x, w], ["matmul"])[0]
                x = emit(Ops.BiasAdd(), [x, b], ["out"])[0]
            case .maxpool(let pool):
                x = emit(Ops.MaxPool(size: pool.size, stride: pool.stride), [x], ["out", "argmax"], roles: [.activation, .saved])[0]
            case .flatten:
                flattenIfSpatial()
            case .dropout(let dropout):
                if case .training = mode {
                    x = emit(Ops.Dropout(rate: dropout.rate), [x], ["out", "mask"], roles: [.activation, .saved])[0]
                }
            case .batchnorm(let bn):
                let c = g[x].shape[0]
                let scale = param("scale", [c]), shift = param("shift", [c])
                let mean = g.addValue("\(n).running_mean", shape: [c], role: .state, origin: at)
                let variance = g.addValue("\(n).running_var", shape: [c], role: .state, origin: at)
                if case .training = mode {
                    x = emit(Ops.BatchNorm(epsilon: bn.epsilon, momentum: bn.momentum), [x, scale, shift, mean, variance],
                             [bn.activation == .none ? "out" : "norm", "mean", "inv_std"],
                             roles: [.activation, .batchStatistic, .batchStatistic])[0]
                } else {
                    x = emit(Ops.BatchNormInference(epsilon: bn.epsilon), [x, scale, shift, mean, variance],
                             [bn.activation == .none ? "out" : "norm"])[0]
                }
                if bn.activation != .none { x = emit(Ops.Activate(bn.activation), [x], ["out"])[0] }
            }
        }
        switch mode {
        case .training(let loss):
            var targets: [ValueID] = []
            if loss != .crossEntropy {
                targets.append(g.addValue("teacher", shape: [model.classes], role: .target, origin: model.location))
            }
            if loss != .mimic {
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

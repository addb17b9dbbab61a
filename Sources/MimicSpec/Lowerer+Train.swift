import MimicBasics
import MimicVocabulary
import MimicYAML

extension Lowerer {
    static let trainKeys = ["loss", "optimizer", "init", "batch", "epochs", "schedule", "seed", "tested", "lookahead", "tta", "threads", "clip-grad-norm"]

    mutating func lowerTrain(_ node: Node) -> TrainConfig? {
        guard let train = mapping(node, "train", allowed: Self.trainKeys) else { return nil }
        let lossNode = required(train, "loss", in: "train")
        let loss = lossNode.flatMap { lowerLoss($0) }
        let lowered = required(train, "optimizer", in: "train").flatMap { lowerOptimizer($0) }
        let optimizer = lowered?.optimizer
        let initialisation = train["init"].map { lowerInit($0) } ?? (.glorot, 1)
        let initScale = initialisation?.scale
        let batch = int(in: train, "batch", "train.batch", default: 128, min: 1)
        let epochs = required(train, "epochs", in: "train").flatMap { int($0, "train.epochs", min: 1) }
        let schedule = train["schedule"].map { lowerSchedule($0) } ?? .constant
        let seed = int(in: train, "seed", "train.seed", default: 0, min: 0)
        let tested = train["tested"].map {
            choice($0, "train.tested", among: TestedCheckpoint.allCases.map(\.rawValue)).flatMap(TestedCheckpoint.init(rawValue:))
        } ?? .best
        let lookahead: Lookahead?? = train["lookahead"].map { lowerLookahead($0) } ?? .some(nil)
        let tta = train["tta"].map {
            choice($0, "train.tta", among: TestTimeAugmentation.allCases.map(\.rawValue)).flatMap(TestTimeAugmentation.init(rawValue:))
        } ?? TestTimeAugmentation.none
        var threads: Int?? = .some(nil)
        if let node = train["threads"], node.scalar?.text != "auto" {
            threads = int(node, "train.threads", min: 1).map { .some($0) } ?? nil
        }
        let clip: Double?? = train["clip-grad-norm"].map { double($0, "train.clip-grad-norm", above: 0).map { .some($0) } ?? nil }
            ?? .some(nil)
        guard let loss, let lossNode, let optimizer, let initScale, let batch, let epochs, let schedule,
            let seed, let tested, let threads, let lookahead, let tta, let clip
        else { return nil }
        if case .oneCycle(_, _, _, .some) = schedule, case .sgd(_, let momentum, _, _) = optimizer, momentum == 0,
           let node = train["schedule"] {
            diagnostics.error(.outOfRange, "one-cycle's momentum range needs SGD with momentum", at: node.location,
                              notes: [DiagnosticNote("set 'momentum' in 'train.optimizer.sgd', or drop 'momentum' from 'one-cycle'")])
            return nil
        }
        return TrainConfig(
            loss: loss, lossLocation: lossNode.location, optimizer: optimizer, groups: lowered?.groups ?? ParameterGroups(),
            initScheme: initialisation?.scheme ?? .glorot, initScale: initScale, batch: batch,
            epochs: epochs, schedule: schedule, seed: seed, tested: tested, lookahead: lookahead, tta: tta, threads: threads,
            clipGradientNorm: clip, location: train.location)
    }

    private mutating func lowerLoss(_ node: Node) -> LossKind? {
        guard let (name, body, _) = variant(node, "train.loss", among: ["mimic", "cross-entropy", "kd"]) else {
            return nil
        }
        switch name {
        case "mimic":
            let body = body.flatMap { mapping($0, "mimic", allowed: ["reduce"]) }
            let reduce = body?["reduce"].map { choice($0, "mimic.reduce", among: ["sum", "mean"]) } ?? "sum"
            guard let reduce else { return nil }
            return reduce == "mean" ? .mimicMean : .mimic
        case "cross-entropy":
            let body = body.flatMap { mapping($0, "cross-entropy", allowed: ["label-smoothing"]) }
            guard let smoothing = double(in: body, "label-smoothing", "cross-entropy.label-smoothing", default: 0, min: 0, below: 1)
            else { return nil }
            return smoothing > 0 ? .smoothedCrossEntropy(smoothing: smoothing) : .crossEntropy
        default:
            let body = body.flatMap { mapping($0, "kd", allowed: ["temperature", "alpha"]) }
            guard let t = double(in: body, "temperature", "kd.temperature", default: 4, above: 0),
                let alpha = double(in: body, "alpha", "kd.alpha", default: 0.9, min: 0, max: 1)
            else { return nil }
            return .kd(temperature: t, alpha: alpha)
        }
    }

    private mutating func lowerOptimizer(_ node: Node) -> (optimizer: Optimizer, groups: ParameterGroups)? {
        guard let (name, body, at) = variant(node, "train.optimizer", among: ["sgd", "adam"]) else { return nil }
        if name == "sgd" {
            let keys = ["lr", "momentum", "nesterov", "weight-decay", "decoupled-decay", "multipliers"]
            guard let body = body.flatMap({ mapping($0, "sgd", allowed: keys) }) else {
                diagnostics.error(.missingKey, "'sgd' needs at least 'lr'", at: at)
                return nil
            }
            let lr = required(body, "lr", in: "sgd").flatMap { double($0, "sgd.lr", above: 0) }
            let momentum = double(in: body, "momentum", "sgd.momentum", default: 0, min: 0, below: 1)
            let nesterov = body["nesterov"].map { bool($0, "sgd.nesterov") } ?? false
            let decay = double(in: body, "weight-decay", "sgd.weight-decay", default: 0, min: 0)
            let decoupled = body["decoupled-decay"].map { bool($0, "sgd.decoupled-decay") } ?? false
            let multipliers = body["multipliers"].map { lowerMultipliers($0, "sgd.multipliers") } ?? [:]
            guard let lr, let momentum, let nesterov, let decay, let decoupled, let multipliers else { return nil }
            if nesterov && momentum == 0, let flag = body["nesterov"] {
                diagnostics.error(
                    .conflictingOptions, "Nesterov momentum needs 'momentum' above 0", at: flag.location,
                    notes: [DiagnosticNote("set 'momentum', e.g. 0.9")])
                return nil
            }
            return (.sgd(lr: lr, momentum: momentum, nesterov: nesterov, weightDecay: decay),
                    ParameterGroups(multipliers: multipliers, decoupledDecay: decoupled))
        }
        let adam = body.flatMap { mapping($0, "adam", allowed: ["lr", "beta1", "beta2", "epsilon", "weight-decay", "multipliers"]) }
        guard let lr = double(in: adam, "lr", "adam.lr", default: 0.001, above: 0),
            let beta1 = double(in: adam, "beta1", "adam.beta1", default: 0.9, min: 0, below: 1),
            let beta2 = double(in: adam, "beta2", "adam.beta2", default: 0.999, min: 0, below: 1),
            let epsilon = double(in: adam, "epsilon", "adam.epsilon", default: 1e-8, above: 0),
            let decay = double(in: adam, "weight-decay", "adam.weight-decay", default: 0, min: 0),
            let multipliers = adam?["multipliers"].map({ lowerMultipliers($0, "adam.multipliers") }) ?? [:]
        else { return nil }
        return (.adam(lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay), ParameterGroups(multipliers: multipliers))
    }

    /// `{biases: {lr: 64}, weights: {weight-decay: 0.5}}`: each kind's multipliers, 1 unless given.
    private mutating func lowerMultipliers(_ node: Node, _ path: String) -> [ParameterKind: KindMultipliers]? {
        guard let body = mapping(node, path, allowed: ParameterKind.allCases.map(\.rawValue)) else { return nil }
        var result: [ParameterKind: KindMultipliers] = [:]
        var failed = false
        for kind in ParameterKind.allCases {
            guard let entry = body[kind.rawValue] else { continue }
            let where_ = "\(path).\(kind.rawValue)"
            let settings = mapping(entry, where_, allowed: ["lr", "weight-decay"])
            guard let settings, let lr = double(in: settings, "lr", "\(where_).lr", default: 1, above: 0),
                let decay = double(in: settings, "weight-decay", "\(where_).weight-decay", default: 1, min: 0)
            else { failed = true; continue }
            result[kind] = KindMultipliers(lr: lr, weightDecay: decay)
        }
        return failed ? nil : result
    }

    /// `lookahead: {every, decay, power}`; an empty mapping or null takes every default.
    private mutating func lowerLookahead(_ node: Node) -> Lookahead?? {
        if node.isNull { return .some(Lookahead()) }
        guard let body = mapping(node, "train.lookahead", allowed: ["every", "decay", "power"]),
            let every = int(in: body, "every", "lookahead.every", default: 5, min: 1),
            let decay = double(in: body, "decay", "lookahead.decay", default: 0.95, min: 0, below: 1),
            let power = double(in: body, "power", "lookahead.power", default: 3, min: 0)
        else { return nil }
        return .some(Lookahead(every: every, decay: decay, power: power))
    }

    private mutating func lowerInit(_ node: Node) -> (scheme: InitScheme, scale: Double)? {
        guard let (name, body, _) = variant(node, "train.init", among: InitScheme.allCases.map(\.rawValue)),
            let scheme = InitScheme(rawValue: name)
        else { return nil }
        guard let body else { return (scheme, 1) }
        return double(body, name, above: 0).map { (scheme, $0) }
    }

    private mutating func lowerSchedule(_ node: Node) -> Schedule? {
        guard let (name, body, at) = variant(node, "train.schedule", among: ["constant", "step", "cosine", "plateau", "one-cycle", "warmup-linear"])
        else { return nil }
        switch name {
        case "constant":
            _ = body.flatMap { mapping($0, "constant", allowed: []) }
            return .constant
        case "step":
            guard let body = body.flatMap({ mapping($0, "step", allowed: ["every", "factor"]) }) else {
                diagnostics.error(.missingKey, "'step' needs 'every'", at: at)
                return nil
            }
            guard let every = required(body, "every", in: "step").flatMap({ int($0, "step.every", min: 1) }),
                let factor = double(in: body, "factor", "step.factor", default: 0.1, above: 0, below: 1)
            else { return nil }
            return .step(every: every, factor: factor)
        case "one-cycle":
            let body = body.flatMap { mapping($0, "one-cycle", allowed: ["warmup", "start-ratio", "min-lr-ratio", "momentum"]) }
            guard let warmup = double(in: body, "warmup", "one-cycle.warmup", default: 0.1, above: 0, below: 1),
                let start = double(in: body, "start-ratio", "one-cycle.start-ratio", default: 0.04, above: 0, max: 1),
                let end = double(in: body, "min-lr-ratio", "one-cycle.min-lr-ratio", default: 0.000004, min: 0, below: 1)
            else { return nil }
            var momentum: MomentumCycle?
            if let node = body?["momentum"] {
                guard let items = node.sequence, items.count == 2 else {
                    wrongType(node, expected: "a list [low, high]", for: "one-cycle.momentum")
                    return nil
                }
                guard let low = double(items[0], "one-cycle.momentum", min: 0, below: 1),
                    let high = double(items[1], "one-cycle.momentum", min: 0, below: 1)
                else { return nil }
                guard low <= high else {
                    outOfRange(items[0], "one-cycle.momentum", "low end \(low) exceeds high end \(high)")
                    return nil
                }
                momentum = MomentumCycle(low: low, high: high)
            }
            return .oneCycle(warmup: warmup, startRatio: start, minLRRatio: end, momentum: momentum)
        case "warmup-linear":
            let body = body.flatMap { mapping($0, "warmup-linear", allowed: ["warmup", "start-ratio", "end-ratio"]) }
            guard let warmup = double(in: body, "warmup", "warmup-linear.warmup", default: 0.23, min: 0, below: 1),
                let start = double(in: body, "start-ratio", "warmup-linear.start-ratio", default: 0.2, above: 0, max: 1),
                let end = double(in: body, "end-ratio", "warmup-linear.end-ratio", default: 0.07, min: 0, max: 1)
            else { return nil }
            return .warmupLinear(warmup: warmup, startRatio: start, endRatio: end)
        case "cosine":
            let body = body.flatMap { mapping($0, "cosine", allowed: ["min-lr-ratio"]) }
            return double(in: body, "min-lr-ratio", "cosine.min-lr-ratio", default: 0, min: 0, below: 1)
                .map(Schedule.cosine)
        default:
            let body = body.flatMap {
                mapping($0, "plateau", allowed: ["factor", "patience", "cooldown", "stop-patience", "min-lr-ratio"])
            }
            guard let factor = double(in: body, "factor", "plateau.factor", default: 0.5, above: 0, below: 1),
                let patience = int(in: body, "patience", "plateau.patience", default: 10, min: 1),
                let cooldown = int(in: body, "cooldown", "plateau.cooldown", default: 8, min: 0),
                let stop = int(in: body, "stop-patience", "plateau.stop-patience", default: 30, min: 1),
                let ratio = double(in: body, "min-lr-ratio", "plateau.min-lr-ratio", default: 0.0005, above: 0, below: 1)
            else { return nil }
            if stop <= patience {
                diagnostics.warning(
                    .plateauNeverCuts,
                    "'stop-patience' (\(stop)) is not above 'patience' (\(patience)): training stops before the rate is ever cut",
                    at: body?["stop-patience"]?.location ?? at,
                    notes: [DiagnosticNote("the paper cuts after 10 epochs and stops after 30")])
            }
            return .plateau(factor: factor, patience: patience, cooldown: cooldown, stopPatience: stop, minLRRatio: ratio)
        }
    }
}

import Foundation
import MimicGraph
import MimicVocabulary

/// The optimizer state lives in one contiguous block mirroring the parameter block, and a
/// step is one fused pass over parameters, gradients and state, split over `threads` in
/// fixed ranges (each element's update depends on that element alone, so the split changes
/// no bit of the result).
public final class Optimizer {
    /// A run of parameters that share a rate multiplier and a weight-decay coefficient.
    public struct Group: Sendable, Equatable {
        public var range: Range<Int>
        public var rate: Float
        public var decay: Float

        public init(range: Range<Int>, rate: Float, decay: Float) {
            self.range = range
            self.rate = rate
            self.decay = decay
        }
    }

    public let rule: UpdateRule
    public let count: Int
    public let threads: Int
    public let groups: [Group]
    /// SGD: velocity. Adam: first then second moments.
    public let state: UnsafeMutableBufferPointer<Float>
    var steps = 0

    /// One group over every parameter, at the rule's weight decay, unless `groups` say
    /// otherwise (they must cover 0..<parameterCount in order).
    public init(_ rule: UpdateRule, parameterCount: Int, groups: [Group]? = nil, threads: Int = 1) {
        self.rule = rule
        count = parameterCount
        self.threads = max(1, threads)
        self.groups = groups ?? [Group(range: 0..<parameterCount, rate: 1, decay: Float(rule.weightDecay))]
        precondition(self.groups.reduce(0) { $0 + $1.range.count } == parameterCount, "internal error: groups do not cover the parameters")
        state = .allocate(capacity: max(1, rule.stateSlots * parameterCount))
        state.initialize(repeating: 0)
    }

    deinit { state.deallocate() }

    /// The groups of a plan's parameters: consecutive parameters of one kind (see
    /// `ParameterKind`) form a group with that kind's rate multiplier and decay.
    public static func groups(_ plan: ExecutionPlan, _ settings: ParameterGroups, decay: Double, baseRate: Double) -> [Group] {
        var groups: [Group] = []
        var offset = 0
        for id in plan.graph.parameters {
            let value = plan.graph[id]
            let (rate, coefficient) = settings.treatment(of: ParameterKind(rank: value.shape.count), decay: decay, baseRate: baseRate)
            let range = offset..<(offset + value.elementCount)
            offset = range.upperBound
            if let last = groups.last, last.rate == Float(rate), last.decay == Float(coefficient) {
                groups[groups.count - 1].range = last.range.lowerBound..<range.upperBound
            } else {
                groups.append(Group(range: range, rate: Float(rate), decay: Float(coefficient)))
            }
        }
        return groups
    }

    /// Bytes of optimizer state.
    public var stateBytes: Int { rule.stateSlots * count * 4 }

    /// One update with learning rate `lr` (see `UpdateRule` for the conventions), times each
    /// group's multiplier. `momentum` replaces SGD's own for this step (a schedule that cycles it).
    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Double, momentum: Double? = nil) {
        steps += 1
        let n = count
        // Below about 64k parameters a second thread costs more than it saves.
        inFixedRanges(n, workers: n < 1 << 16 ? 1 : threads) { range, _ in
            for group in groups {
                let part = range.clamped(to: group.range)
                if !part.isEmpty {
                    update(part, parameters: p, gradients: g, lr: lr * Double(group.rate), decay: group.decay, momentum: momentum)
                }
            }
        }
    }

    func update(_ range: Range<Int>, parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                lr: Double, decay: Float, momentum: Double?) {
        let n = count
        switch rule {
        case .sgd(let momentumD, let nesterov, _):
            let rate = Float(lr), mu = Float(momentumD > 0 ? momentum ?? momentumD : 0)
            if mu == 0 {
                for i in range { p[i] -= rate * (g[i] + decay * p[i]) }
                return
            }
            let v = state.baseAddress!
            if nesterov {
                for i in range {
                    let d = g[i] + decay * p[i]
                    v[i] = mu * v[i] + d
                    p[i] -= rate * (d + mu * v[i])
                }
            } else {
                for i in range {
                    let d = g[i] + decay * p[i]
                    v[i] = mu * v[i] + d
                    p[i] -= rate * v[i]
                }
            }
        case .adam(let beta1D, let beta2D, let epsilonD, _):
            let m = state.baseAddress!, v = state.baseAddress! + n
            let beta1 = Float(beta1D), beta2 = Float(beta2D), epsilon = Float(epsilonD)
            let correction1 = Float(1 - pow(beta1D, Double(steps))), correction2 = Float(1 - pow(beta2D, Double(steps)))
            let rate = Float(lr) / correction1
            let root2 = correction2.squareRoot()
            for i in range {
                let d = g[i] + decay * p[i]
                m[i] = beta1 * m[i] + (1 - beta1) * d
                v[i] = beta2 * v[i] + (1 - beta2) * d * d
                p[i] -= rate * m[i] / (v[i].squareRoot() / root2 + epsilon)
            }
        }
    }
}

import Foundation
import MimicVocabulary

/// The optimizer state lives in one contiguous block mirroring the parameter block, and a
/// step is one fused pass over parameters, gradients and state, split over `threads` in
/// fixed ranges (each element's update depends on that element alone, so the split changes
/// no bit of the result).
public final class Optimizer {
    public let rule: UpdateRule
    public let count: Int
    public let threads: Int
    /// SGD: velocity. Adam: first then second moments.
    public let state: UnsafeMutableBufferPointer<Float>
    var steps = 0

    public init(_ rule: UpdateRule, parameterCount: Int, threads: Int = 1) {
        self.rule = rule
        count = parameterCount
        self.threads = max(1, threads)
        state = .allocate(capacity: max(1, rule.stateSlots * parameterCount))
        state.initialize(repeating: 0)
    }

    deinit { state.deallocate() }

    /// Bytes of optimizer state.
    public var stateBytes: Int { rule.stateSlots * count * 4 }

    /// One update with learning rate `lr` (see `UpdateRule` for the conventions).
    /// `momentum` replaces SGD's own for this step (a schedule that cycles it).
    public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Double, momentum: Double? = nil) {
        steps += 1
        let n = count
        // Below about 64k parameters a second thread costs more than it saves.
        inFixedRanges(n, workers: n < 1 << 16 ? 1 : threads) { range, _ in
            update(range, parameters: p, gradients: g, lr: lr, momentum: momentum)
        }
    }

    func update(_ range: Range<Int>, parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                lr: Double, momentum: Double?) {
        let n = count
        switch rule {
        case .sgd(let momentumD, let nesterov, let decayD):
            let rate = Float(lr), mu = Float(momentumD > 0 ? momentum ?? momentumD : 0), decay = Float(decayD)
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
        case .adam(let beta1D, let beta2D, let epsilonD, let decayD):
            let m = state.baseAddress!, v = state.baseAddress! + n
            let beta1 = Float(beta1D), beta2 = Float(beta2D), epsilon = Float(epsilonD), decay = Float(decayD)
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

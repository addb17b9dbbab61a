import Foundation
import MimicSpec

/// The optimizer state lives in one contiguous block mirroring the parameter block, and a
/// step is one fused pass over parameters, gradients and state, split over `threads` in
/// fixed ranges (each element's update depends on that element alone, so the split changes
/// no bit of the result).
public final class Optimizer {
    public let kind: MimicSpec.Optimizer
    public let count: Int
    public let threads: Int
    /// SGD: velocity. Adam: first then second moments.
    public let state: UnsafeMutableBufferPointer<Float>
    var steps = 0

    public init(_ kind: MimicSpec.Optimizer, parameterCount: Int, threads: Int = 1) {
        self.kind = kind
        count = parameterCount
        self.threads = max(1, threads)
        let slots: Int
        switch kind {
        case .sgd(_, let momentum, _, _): slots = momentum > 0 ? 1 : 0
        case .adam: slots = 2
        }
        state = .allocate(capacity: max(1, slots * parameterCount))
        state.initialize(repeating: 0)
    }

    deinit { state.deallocate() }

    /// Bytes of optimizer state.
    public var stateBytes: Int {
        switch kind {
        case .sgd(_, let momentum, _, _): momentum > 0 ? count * 4 : 0
        case .adam: 2 * count * 4
        }
    }

    /// One update with learning rate `lr`, PyTorch's conventions: weight decay added to the
    /// gradient; SGD's velocity v = mu v + g and Nesterov's step g + mu v; Adam with bias
    /// correction.
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
        switch kind {
        case .sgd(_, let momentumD, let nesterov, let decayD):
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
        case .adam(_, let beta1D, let beta2D, let epsilonD, let decayD):
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

import Foundation
import MimicSpec

/// The learning-rate schedule as it runs: the rate for each epoch, and after each epoch's
/// validation whether to go on. Its state is saved in checkpoints, so a resumed run
/// continues the same schedule.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public enum StopReason: String, Codable, Sendable {
        case epochs, plateau, minimumRate = "minimum-rate", interrupted, diverged
    }

    public var initial: Double
    public var rate: Double
    public var epochs: Int
    /// Completed epochs.
    public var epoch = 0
    public var bestError: Double?
    public var epochsSinceImprovement = 0
    /// Epochs since the last improvement or the last cut, whichever is later.
    public var epochsSinceChange = 0
    public var cooldownLeft = 0
    public var cuts = 0
    public var stopReason: StopReason?

    let kind: Kind

    enum Kind: Codable, Sendable, Equatable {
        case constant
        case step(every: Int, factor: Double)
        case cosine(minRatio: Double)
        case plateau(factor: Double, patience: Int, cooldown: Int, stopPatience: Int, minRatio: Double)
        case oneCycle(warmup: Double, startRatio: Double, minRatio: Double, momentum: MomentumCycle?)
        case warmupLinear(warmup: Double, startRatio: Double, endRatio: Double)
    }

    public init(_ schedule: Schedule, initialRate: Double, epochs: Int) {
        initial = initialRate
        rate = initialRate
        self.epochs = epochs
        switch schedule {
        case .constant: kind = .constant
        case .step(let every, let factor): kind = .step(every: every, factor: factor)
        case .cosine(let ratio): kind = .cosine(minRatio: ratio)
        case .plateau(let factor, let patience, let cooldown, let stop, let ratio):
            kind = .plateau(factor: factor, patience: patience, cooldown: cooldown, stopPatience: stop, minRatio: ratio)
        case .oneCycle(let warmup, let start, let end, let momentum):
            kind = .oneCycle(warmup: warmup, startRatio: start, minRatio: end, momentum: momentum)
        case .warmupLinear(let warmup, let start, let end):
            kind = .warmupLinear(warmup: warmup, startRatio: start, endRatio: end)
        }
    }

    /// The rate for one step of the current epoch: per-step schedules (one-cycle, warm-up then
    /// linear) compute it from the step's place in the whole run; the others hold the epoch's
    /// rate.
    public func rate(step: Int, stepsPerEpoch: Int) -> Double {
        if case .warmupLinear(let warmup, let startRatio, let endRatio) = kind {
            let total = max(1, epochs * stepsPerEpoch), now = epoch * stepsPerEpoch + step
            let peak = Int(warmup * Double(total))
            if now < peak { return initial * (startRatio + (1 - startRatio) * Double(now) / Double(peak)) }
            return initial * (1 - (1 - endRatio) * Double(now - peak) / Double(max(1, total - peak)))
        }
        guard case .oneCycle(let warmup, let startRatio, let minRatio, _) = kind else { return rate }
        let total = Double(max(1, epochs * stepsPerEpoch)), now = Double(epoch * stepsPerEpoch + step)
        let peak = warmup * total
        if now < peak {
            let t = now / peak
            return initial * (startRatio + (1 - startRatio) * 0.5 * (1 - cos(Double.pi * t)))
        }
        let t = min(1, (now - peak) / max(1, total - peak))
        return initial * (minRatio + (1 - minRatio) * 0.5 * (1 + cos(Double.pi * t)))
    }

    /// SGD's momentum for one step when the schedule cycles it (one-cycle with a momentum
    /// range), else nil: the optimizer's own. High while the rate is low, and the reverse.
    public func momentum(step: Int, stepsPerEpoch: Int) -> Double? {
        guard case .oneCycle(let warmup, _, _, let cycle?) = kind else { return nil }
        let total = Double(max(1, epochs * stepsPerEpoch)), now = Double(epoch * stepsPerEpoch + step)
        let peak = warmup * total
        let span = cycle.high - cycle.low
        if now < peak { return cycle.high - span * 0.5 * (1 - cos(Double.pi * now / peak)) }
        let t = min(1, (now - peak) / max(1, total - peak))
        return cycle.low + span * 0.5 * (1 - cos(Double.pi * t))
    }

    /// Records an epoch's validation error (lower is better); sets the next epoch's rate and
    /// returns false when training should stop.
    public mutating func endEpoch(validationError: Double) -> Bool {
        epoch += 1
        if bestError.map({ validationError < $0 }) ?? true {
            bestError = validationError
            epochsSinceImprovement = 0
            epochsSinceChange = 0
        } else {
            epochsSinceImprovement += 1
            epochsSinceChange += 1
        }
        switch kind {
        case .constant, .oneCycle, .warmupLinear:
            break
        case .step(let every, let factor):
            rate = initial * pow(factor, Double(epoch / every))
        case .cosine(let ratio):
            let progress = Double(epoch) / Double(max(1, epochs))
            rate = initial * (ratio + (1 - ratio) * 0.5 * (1 + cos(Double.pi * progress)))
        case .plateau(let factor, let patience, let cooldown, let stop, let ratio):
            if cooldownLeft > 0 { cooldownLeft -= 1 }
            if epochsSinceImprovement >= stop {
                stopReason = .plateau
                return false
            }
            if epochsSinceChange >= patience && cooldownLeft == 0 {
                rate *= factor
                cuts += 1
                cooldownLeft = cooldown
                epochsSinceChange = 0
                if rate < ratio * initial {
                    stopReason = .minimumRate
                    return false
                }
            }
        }
        if epoch >= epochs {
            stopReason = .epochs
            return false
        }
        return true
    }
}

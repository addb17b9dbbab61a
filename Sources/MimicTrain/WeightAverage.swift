import MimicSpec

/// The trailing average of lookahead (`train.lookahead`): a copy of the parameters and the
/// model state (batchnorm's running statistics, which the recipe averages too) that the
/// weights are pulled back to every few steps. It is saved in checkpoints, so a resumed run
/// blends exactly as an uninterrupted one.
final class WeightAverage {
    let settings: Lookahead
    /// Parameters, then state: the layouts of the executor's two blocks.
    var average: [Float]

    init(_ settings: Lookahead, parameters: UnsafeMutableBufferPointer<Float>, state: UnsafeMutableBufferPointer<Float>) {
        self.settings = settings
        average = Array(parameters) + Array(state)
    }

    /// After global step `step` (1-based) of `total`: on every `every`-th step, the average
    /// moves towards the weights by 1 - d and the weights take the average.
    func afterStep(_ step: Int, of total: Int, parameters: UnsafeMutableBufferPointer<Float>, state: UnsafeMutableBufferPointer<Float>) {
        guard let decay = settings.decay(afterStep: step, of: total) else { return }
        blend(Float(decay), parameters: parameters, state: state)
    }

    /// `average += (1 - decay) (weights - average)`, then `weights = average`; decay 1 only
    /// copies the average into the weights (the end of the run).
    func blend(_ decay: Float, parameters: UnsafeMutableBufferPointer<Float>, state: UnsafeMutableBufferPointer<Float>) {
        let weight = 1 - decay
        average.withUnsafeMutableBufferPointer { a in
            for (offset, block) in [(0, parameters), (parameters.count, state)] {
                for i in 0..<block.count {
                    a[offset + i] += weight * (block[i] - a[offset + i])
                    block[i] = a[offset + i]
                }
            }
        }
    }
}

import MimicGraph
import MimicKernels

extension Fold {
    /// Computes the folded parameters from trained ones (once, when weights are loaded).
    public func apply(to values: inout [ValueID: Tensor]) {
        switch self {
        case .bottleneck(let w1, let b1, let w2, let b2, let weight, let bias):
            let (a, b) = (values[w1]!, values[w2]!)  // [k, in], [out, k]
            let (k, input, output) = (a.shape[0], a.shape[1], b.shape[0])
            var w = Tensor(zeros: [output, input]), c = values[b2]!
            for o in 0..<output {
                for j in 0..<k {
                    let s = b.data[o * k + j]
                    for i in 0..<input { w.data[o * input + i] += s * a.data[j * input + i] }
                    c.data[o] += s * values[b1]!.data[j]
                }
            }
            values[weight] = w
            values[bias] = c
        case .batchnorm(let w, let b, let scale, let shift, let mean, let variance, let epsilon, let weight, let bias):
            var folded = values[w]!, c = values[b]!
            let channels = c.count
            let perChannel = folded.count / channels
            for ch in 0..<channels {
                let s = values[scale]!.data[ch] / Float((Double(values[variance]!.data[ch]) + epsilon).squareRoot())
                for i in 0..<perChannel { folded.data[ch * perChannel + i] *= s }
                c.data[ch] = (c.data[ch] - values[mean]!.data[ch]) * s + values[shift]!.data[ch]
            }
            values[weight] = folded
            values[bias] = c
        }
    }
}

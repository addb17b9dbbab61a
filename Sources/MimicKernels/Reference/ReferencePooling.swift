import MimicBasics
/// Naive max-pooling with argmax (the flat index within the input plane, stored as a float:
/// planes are far below 2^24 positions), and its gradient, which routes each output's
/// gradient to the input that won; overlapping windows accumulate.
public enum ReferenceMaxPool {
    public static func forward(_ x: Tensor, size: Int, stride: Int) -> (y: Tensor, argmax: Tensor) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = ((h - size) / stride + 1, (w - size) / stride + 1)
        var y = Tensor(zeros: [n, c, ho, wo]), argmax = Tensor(zeros: [n, c, ho, wo])
        for plane in 0..<(n * c) { for i in 0..<ho { for j in 0..<wo {
            var best = -Float.infinity, at = 0
            for u in 0..<size { for v in 0..<size {
                let index = (i * stride + u) * w + (j * stride + v)
                let value = x.data[plane * h * w + index]
                // Strictly greater: the first maximum in row-major order wins ties.
                if value > best { best = value; at = index }
            } }
            y.data[(plane * ho + i) * wo + j] = best
            argmax.data[(plane * ho + i) * wo + j] = Float(at)
        } } }
        return (y, argmax)
    }

    public static func grad(_ dy: Tensor, argmax: Tensor, inputShape: [Int]) -> Tensor {
        let planeSize = inputShape[2] * inputShape[3]
        let outputPlane = dy.shape[2] * dy.shape[3]
        var dx = Tensor(zeros: inputShape)
        for i in 0..<dy.count {
            let plane = i / outputPlane
            dx.data[plane * planeSize + Int(argmax.data[i])] += dy.data[i]
        }
        return dx
    }
}

/// Inverted dropout: the mask holds 0 or 1/(1-rate), so inference needs no rescaling.
public enum ReferenceDropout {
    public static func mask(count: Int, rate: Double, generator: inout SeededGenerator) -> [Float] {
        let keep = Float(1 / (1 - rate))
        return (0..<count).map { _ in generator.nextUnit() < Float(rate) ? 0 : keep }
    }

    public static func forward(_ x: Tensor, mask: Tensor) -> Tensor {
        Tensor(shape: x.shape, data: zip(x.data, mask.data).map(*))
    }
}

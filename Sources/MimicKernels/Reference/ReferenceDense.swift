/// Naive fully connected layer and bias: x [N,in], w [out,in] -> y [N,out].
public enum ReferenceDense {
    public static func forward(_ x: Tensor, _ w: Tensor) -> Tensor {
        let (n, input, output) = (x.shape[0], x.shape[1], w.shape[0])
        var y = Tensor(zeros: [n, output])
        for b in 0..<n { for o in 0..<output {
            var sum = 0.0
            for i in 0..<input { sum += Double(x.data[b * input + i]) * Double(w.data[o * input + i]) }
            y.data[b * output + o] = Float(sum)
        } }
        return y
    }

    /// dy [N,out], w [out,in] -> dx [N,in]
    public static func gradInput(_ dy: Tensor, _ w: Tensor) -> Tensor {
        let (n, output, input) = (dy.shape[0], w.shape[0], w.shape[1])
        var dx = Tensor(zeros: [n, input])
        for b in 0..<n { for i in 0..<input {
            var sum = 0.0
            for o in 0..<output { sum += Double(dy.data[b * output + o]) * Double(w.data[o * input + i]) }
            dx.data[b * input + i] = Float(sum)
        } }
        return dx
    }

    /// dy [N,out], x [N,in] -> dw [out,in], summed over the batch.
    public static func gradWeight(_ dy: Tensor, _ x: Tensor) -> Tensor {
        let (n, output, input) = (dy.shape[0], dy.shape[1], x.shape[1])
        var dw = Tensor(zeros: [output, input])
        for o in 0..<output { for i in 0..<input {
            var sum = 0.0
            for b in 0..<n { sum += Double(dy.data[b * output + o]) * Double(x.data[b * input + i]) }
            dw.data[o * input + i] = Float(sum)
        } }
        return dw
    }
}

/// Bias over the channel axis (axis 1) of [N,C,...].
public enum ReferenceBias {
    public static func forward(_ x: Tensor, _ b: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let inner = x.count / (n * c)
        var y = x
        for i in 0..<y.count { y.data[i] += b.data[(i / inner) % c] }
        return y
    }

    public static func grad(_ dy: Tensor) -> Tensor {
        let (n, c) = (dy.shape[0], dy.shape[1])
        let inner = dy.count / (n * c)
        var db = [Double](repeating: 0, count: c)
        for i in 0..<dy.count { db[(i / inner) % c] += Double(dy.data[i]) }
        return Tensor(shape: [c], data: db.map(Float.init))
    }
}

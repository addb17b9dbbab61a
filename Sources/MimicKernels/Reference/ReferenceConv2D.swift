/// Naive convolution, the oracle for the fast kernels: direct loops, Double accumulation.
/// x [N,C,H,W], w [F,C,k,k] -> y [N,F,Ho,Wo] with Ho = (H + 2p - k) / s + 1.
public enum ReferenceConv2D {
    static func outputSide(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> Int { (n + 2 * p - k) / s + 1 }

    public static func forward(_ x: Tensor, _ w: Tensor, stride s: Int, padding p: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, k) = (w.shape[0], w.shape[2])
        let (ho, wo) = (outputSide(h, k, s, p), outputSide(wd, k, s, p))
        var y = Tensor(zeros: [n, f, ho, wo])
        for b in 0..<n { for o in 0..<f { for i in 0..<ho { for j in 0..<wo {
            var sum = 0.0
            for ch in 0..<c { for u in 0..<k { for v in 0..<k {
                let r = i * s + u - p, q = j * s + v - p
                guard r >= 0, r < h, q >= 0, q < wd else { continue }
                sum += Double(x.data[((b * c + ch) * h + r) * wd + q]) * Double(w.data[((o * c + ch) * k + u) * k + v])
            } } }
            y.data[((b * f + o) * ho + i) * wo + j] = Float(sum)
        } } } }
        return y
    }

    /// dy [N,F,Ho,Wo], w -> dx with the given input shape.
    public static func gradInput(_ dy: Tensor, _ w: Tensor, inputShape: [Int], stride s: Int, padding p: Int) -> Tensor {
        let (n, c, h, wd) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (f, k) = (w.shape[0], w.shape[2])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        var dx = [Double](repeating: 0, count: n * c * h * wd)
        for b in 0..<n { for o in 0..<f { for i in 0..<ho { for j in 0..<wo {
            let g = Double(dy.data[((b * f + o) * ho + i) * wo + j])
            for ch in 0..<c { for u in 0..<k { for v in 0..<k {
                let r = i * s + u - p, q = j * s + v - p
                guard r >= 0, r < h, q >= 0, q < wd else { continue }
                dx[((b * c + ch) * h + r) * wd + q] += g * Double(w.data[((o * c + ch) * k + u) * k + v])
            } } }
        } } } }
        return Tensor(shape: inputShape, data: dx.map(Float.init))
    }

    /// dy, x -> dw [F,C,k,k], summed over the batch.
    public static func gradWeight(_ dy: Tensor, _ x: Tensor, kernel k: Int, stride s: Int, padding p: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, ho, wo) = (dy.shape[1], dy.shape[2], dy.shape[3])
        var dw = [Double](repeating: 0, count: f * c * k * k)
        for b in 0..<n { for o in 0..<f { for i in 0..<ho { for j in 0..<wo {
            let g = Double(dy.data[((b * f + o) * ho + i) * wo + j])
            for ch in 0..<c { for u in 0..<k { for v in 0..<k {
                let r = i * s + u - p, q = j * s + v - p
                guard r >= 0, r < h, q >= 0, q < wd else { continue }
                dw[((o * c + ch) * k + u) * k + v] += g * Double(x.data[((b * c + ch) * h + r) * wd + q])
            } } }
        } } } }
        return Tensor(shape: [f, c, k, k], data: dw.map(Float.init))
    }
}

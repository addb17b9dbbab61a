/// Max-pooling of one plane with its argmax (index within the plane, as a float), and the
/// scatter of a gradient back through it.
public enum Pooling {
    @inline(__always)
    public static func maxpoolPlane(
        _ x: UnsafePointer<Float>, height h: Int, width w: Int, size: Int, stride: Int,
        _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Float>?
    ) {
        let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
        for i in 0..<ho {
            for j in 0..<wo {
                var best = -Float.infinity, at = 0
                for u in 0..<size {
                    let rowStart = (i * stride + u) * w + j * stride
                    for v in 0..<size where x[rowStart + v] > best {
                        best = x[rowStart + v]
                        at = rowStart + v
                    }
                }
                y[i * wo + j] = best
                argmax?[i * wo + j] = Float(at)
            }
        }
    }

    /// dx (plane, zeroed by the caller) += dy routed through argmax.
    @inline(__always)
    public static func scatterPlane(
        _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Float>, count: Int, into dx: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count { dx[Int(argmax[i])] += dy[i] }
    }
}

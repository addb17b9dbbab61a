/// Max-pooling of one plane with its argmax (index within the plane, as a float), and the
/// scatter of a gradient back through it.
public enum Pooling {
    @inline(__always)
    public static func maxpoolPlane(
        _ x: UnsafePointer<Float>, height h: Int, width w: Int, size: Int, stride: Int,
        _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Float>?
    ) {
        if size == 2 && stride == 2 {
            maxpool2x2(x, height: h, width: w, y, argmax)
            return
        }
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

    // The paper's pooling (2x2, stride 2), eight outputs at a time. Which of four values wins
    // is random on real data, so the general loop's comparisons were branches mispredicted
    // about half the time; here they are lane selects. The order of the comparisons (top
    // left, top right, bottom left, bottom right, strictly greater, from -infinity at index
    // 0) is the general loop's, so ties and NaNs resolve the same way.

    /// Eight windows' maxima and argmaxima, from the 16 values of their top and bottom lines.
    @inline(__always)
    static func windows2x2(
        top: SIMD16<Float>, bottom: SIMD16<Float>, index: SIMD8<Float>, width: Float
    ) -> (best: SIMD8<Float>, at: SIMD8<Float>) {
        var best = SIMD8<Float>(repeating: -.infinity), at = SIMD8<Float>.zero
        challenge(&best, &at, top.evenHalf, index)
        challenge(&best, &at, top.oddHalf, index + 1)
        challenge(&best, &at, bottom.evenHalf, index + width)
        challenge(&best, &at, bottom.oddHalf, index + (width + 1))
        return (best, at)
    }

    @inline(__always)
    static func challenge(_ best: inout SIMD8<Float>, _ at: inout SIMD8<Float>, _ value: SIMD8<Float>, _ index: SIMD8<Float>) {
        let wins = value .> best
        best.replace(with: value, where: wins)
        at.replace(with: index, where: wins)
    }

    /// The same for one window, in the tail of a line.
    @inline(__always)
    static func challenge(_ best: inout Float, _ at: inout Int, _ value: Float, _ index: Int) {
        let wins = value > best
        best = wins ? value : best
        at = wins ? index : at
    }

    @inline(__always)
    static func maxpool2x2(
        _ x: UnsafePointer<Float>, height h: Int, width w: Int,
        _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Float>?
    ) {
        let ho = h / 2, wo = w / 2
        let evenLanes = SIMD8<Float>(0, 2, 4, 6, 8, 10, 12, 14)
        let input = UnsafeRawPointer(x), maxima = UnsafeMutableRawPointer(y), winners = argmax.map(UnsafeMutableRawPointer.init)
        for i in 0..<ho {
            let top = 2 * i * w, bottom = top + w
            var j = 0
            while j + 8 <= wo {
                let window = windows2x2(
                    top: input.loadUnaligned(fromByteOffset: (top + 2 * j) * 4, as: SIMD16<Float>.self),
                    bottom: input.loadUnaligned(fromByteOffset: (bottom + 2 * j) * 4, as: SIMD16<Float>.self),
                    index: SIMD8(repeating: Float(top + 2 * j)) + evenLanes, width: Float(w))
                maxima.storeBytes(of: window.best, toByteOffset: (i * wo + j) * 4, as: SIMD8<Float>.self)
                winners?.storeBytes(of: window.at, toByteOffset: (i * wo + j) * 4, as: SIMD8<Float>.self)
                j += 8
            }
            if wo - j >= 3 {
                // The last windows of a line (a 15- or 7-wide output has 7 or all of them here)
                // also as vectors. Their lines are loaded whole where 16 floats from the bottom
                // line stay inside the plane; else (the last lines of a narrow plane) copied into
                // vectors padded with -infinity. Only the windows inside the map are stored.
                let count = wo - j
                var topLine = SIMD16<Float>(repeating: -.infinity), bottomLine = topLine
                if bottom + 2 * j + 16 <= h * w {
                    topLine = input.loadUnaligned(fromByteOffset: (top + 2 * j) * 4, as: SIMD16<Float>.self)
                    bottomLine = input.loadUnaligned(fromByteOffset: (bottom + 2 * j) * 4, as: SIMD16<Float>.self)
                } else {
                    for k in 0..<(2 * count) {
                        topLine[k] = x[top + 2 * j + k]
                        bottomLine[k] = x[bottom + 2 * j + k]
                    }
                }
                let window = windows2x2(top: topLine, bottom: bottomLine, index: SIMD8(repeating: Float(top + 2 * j)) + evenLanes,
                                        width: Float(w))
                for k in 0..<count { y[i * wo + j + k] = window.best[k] }
                if let argmax { for k in 0..<count { argmax[i * wo + j + k] = window.at[k] } }
                j = wo
            }
            while j < wo {
                var best = -Float.infinity, at = 0
                challenge(&best, &at, x[top + 2 * j], top + 2 * j)
                challenge(&best, &at, x[top + 2 * j + 1], top + 2 * j + 1)
                challenge(&best, &at, x[bottom + 2 * j], bottom + 2 * j)
                challenge(&best, &at, x[bottom + 2 * j + 1], bottom + 2 * j + 1)
                y[i * wo + j] = best
                argmax?[i * wo + j] = Float(at)
                j += 1
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

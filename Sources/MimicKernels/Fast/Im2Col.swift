/// im2col for one image: x [C,H,W] -> cols [C*k*k, Ho*Wo], so a convolution becomes one
/// GEMM, W [F, C*k*k] x cols. col2im is its adjoint (accumulating), for the input gradient.
/// `rowStride` lets several images share one column matrix, side by side: image b of a chunk
/// writes at column offset b*Ho*Wo of rows that are chunk*Ho*Wo long.
public enum Im2Col {
    public static func forward(
        _ x: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int, kernel k: Int, stride s: Int,
        padding p: Int, into cols: UnsafeMutablePointer<Float>, rowStride: Int? = nil
    ) {
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        let stride = rowStride ?? ho * wo
        var row = 0
        for ch in 0..<c {
            let plane = x + ch * h * w
            for u in 0..<k {
                for v in 0..<k {
                    let out = cols + row * stride
                    if s == 1 && wo == w {
                        shiftedPlane(plane, height: h, width: w, lines: ho, down: u - p, right: v - p, into: out)
                        row += 1
                        continue
                    }
                    for i in 0..<ho {
                        let r = i * s + u - p
                        let line = out + i * wo
                        if r < 0 || r >= h {
                            line.update(repeating: 0, count: wo)
                            continue
                        }
                        let source = plane + r * w
                        if s == 1 {
                            // Contiguous run: only the two padded ends need care.
                            let start = v - p
                            var j = 0
                            while j < wo && start + j < 0 { line[j] = 0; j += 1 }
                            let end = min(wo, w - start)
                            if end > j { (line + j).update(from: source + start + j, count: end - j) }
                            j = max(j, end)
                            while j < wo { line[j] = 0; j += 1 }
                        } else {
                            for j in 0..<wo {
                                let q = j * s + v - p
                                line[j] = q >= 0 && q < w ? source[q] : 0
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// One row of a stride-1 convolution whose output is as wide as its input (same
    /// padding): the input plane shifted by `down` lines and `right` columns, zeros where
    /// the shift leaves it. Lines are then contiguous in both, so the interior is one copy of
    /// the whole plane instead of one short copy per line, and only the columns that wrapped
    /// around to the neighbouring line are zeroed after it.
    static func shiftedPlane(
        _ plane: UnsafePointer<Float>, height h: Int, width w: Int, lines ho: Int, down: Int, right: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let first = min(ho, max(0, -down)), last = max(first, min(ho, h - down))
        if first > 0 { out.update(repeating: 0, count: first * w) }
        if last < ho { (out + last * w).update(repeating: 0, count: (ho - last) * w) }
        guard last > first, abs(right) < w else {
            (out + first * w).update(repeating: 0, count: (last - first) * w)
            return
        }
        var target = first * w, source = (first + down) * w + right, count = (last - first) * w
        if source < 0 { target -= source; count += source; source = 0 }
        count = min(count, h * w - source)
        (out + target).update(from: plane + source, count: count)
        // Column by column down the lines: a memset call per line for one or two floats cost
        // more than the copy above.
        let zeroed = right < 0 ? 0..<(-right) : (w - right)..<w
        for column in zeroed {
            var at = first * w + column
            for _ in first..<last { out[at] = 0; at += w }
        }
    }

    /// dx [C,H,W] += col2im(dcols).
    public static func backward(
        _ cols: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int, kernel k: Int, stride s: Int,
        padding p: Int, into x: UnsafeMutablePointer<Float>, rowStride: Int? = nil
    ) {
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        let stride = rowStride ?? ho * wo
        var row = 0
        for ch in 0..<c {
            let plane = x + ch * h * w
            for u in 0..<k {
                for v in 0..<k {
                    let input = cols + row * stride
                    for i in 0..<ho {
                        let r = i * s + u - p
                        guard r >= 0 && r < h else { continue }
                        let target = plane + r * w
                        let line = input + i * wo
                        if s == 1 {
                            // Contiguous run: q = j + v - p for the j that land inside the row.
                            let shift = v - p
                            let first = max(0, -shift), last = min(wo, w - shift)
                            if last > first {
                                let destination = target + shift
                                for j in first..<last { destination[j] += line[j] }
                            }
                        } else {
                            for j in 0..<wo {
                                let q = j * s + v - p
                                if q >= 0 && q < w { target[q] += line[j] }
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}

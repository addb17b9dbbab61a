import Foundation
import MimicBasics
import MimicSpec

/// The paper's augmentation (section 2.5 of ../shared/paper/urban2017.md), on one image in
/// CHW floats in [0, 1], driven by a seeded generator: a random crop of side S in [min, max]
/// rescaled to the full size with bicubic interpolation, a horizontal flip with p = 0.5, a
/// translation by up to N pixels with reflected borders (the fast recipe's), and HSV shifts.
/// Returns whether the image was flipped (to pick the mirrored teacher logits).
public enum Augmentation {
    public static func apply(_ a: MimicSpec.Augmentation, to image: inout [Float], channels: Int, side: Int,
                             generator g: inout SeededGenerator) -> Bool {
        if let range = a.cropRescale, range.lowerBound < side || range.upperBound < side {
            let s = range.lowerBound + Int(g.next() % UInt64(range.upperBound - range.lowerBound + 1))
            if s < side {
                let y = Int(g.next() % UInt64(side - s + 1)), x = Int(g.next() % UInt64(side - s + 1))
                image = cropRescale(image, channels: channels, side: side, crop: s, top: y, left: x)
            }
        }
        var flipped = false
        if a.flip && g.nextUnit() < 0.5 {
            flip(&image, channels: channels, side: side)
            flipped = true
        }
        if a.translate > 0 {
            let span = UInt64(2 * a.translate + 1)
            let dy = Int(g.next() % span) - a.translate, dx = Int(g.next() % span) - a.translate
            image = translate(image, channels: channels, side: side, dx: dx, dy: dy)
        }
        if let hsv = a.hsv, channels == 3 { shiftHSV(&image, side: side, hsv, &g) }
        return flipped
    }

    /// The image moved by (dx, dy): out(y, x) = in(y - dy, x - dx), a coordinate outside the
    /// image reflected back in without repeating the edge (PyTorch's "reflect" padding:
    /// -1 reads 1, side reads side - 2). |dx|, |dy| < side.
    public static func translate(_ image: [Float], channels: Int, side: Int, dx: Int, dy: Int) -> [Float] {
        func reflect(_ i: Int) -> Int { i < 0 ? -i : i >= side ? 2 * (side - 1) - i : i }
        var out = [Float](repeating: 0, count: image.count)
        for c in 0..<channels {
            let plane = c * side * side
            for y in 0..<side {
                let source = plane + reflect(y - dy) * side, target = plane + y * side
                for x in 0..<side { out[target + x] = image[source + reflect(x - dx)] }
            }
        }
        return out
    }

    public static func flip(_ image: inout [Float], channels: Int, side: Int) {
        for row in 0..<(channels * side) {
            var i = row * side, j = row * side + side - 1
            while i < j { image.swapAt(i, j); i += 1; j -= 1 }
        }
    }

    /// Keys' cubic convolution kernel (a = -0.5), the usual "bicubic".
    static func cubic(_ t: Double) -> Double {
        let x = abs(t), a = -0.5
        if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
        if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
        return 0
    }

    /// Crops [top, left, crop x crop] of each channel and rescales it to side x side.
    public static func cropRescale(_ image: [Float], channels: Int, side: Int, crop: Int, top: Int, left: Int) -> [Float] {
        // Separable weights: output coordinate o samples crop coordinate (o + 0.5) * crop/side - 0.5.
        let scale = Double(crop) / Double(side)
        var taps: [[(Int, Float)]] = []
        for o in 0..<side {
            let centre = (Double(o) + 0.5) * scale - 0.5
            let base = Int(floor(centre))
            var row: [(Int, Float)] = []
            var total = 0.0
            for k in (base - 1)...(base + 2) {
                let w = cubic(centre - Double(k))
                row.append((min(max(k, 0), crop - 1), Float(w)))
                total += w
            }
            taps.append(row.map { ($0.0, $0.1 / Float(total)) })
        }
        var out = [Float](repeating: 0, count: channels * side * side)
        var rows = [Float](repeating: 0, count: crop * side)
        for c in 0..<channels {
            // Horizontal pass over the crop's rows, then vertical.
            for y in 0..<crop {
                let source = (c * side + top + y) * side + left
                for x in 0..<side {
                    var sum: Float = 0
                    for (k, w) in taps[x] { sum += w * image[source + k] }
                    rows[y * side + x] = sum
                }
            }
            for y in 0..<side {
                for x in 0..<side {
                    var sum: Float = 0
                    for (k, w) in taps[y] { sum += w * rows[k * side + x] }
                    out[(c * side + y) * side + x] = min(1, max(0, sum))
                }
            }
        }
        return out
    }

    /// Hue shifted by U(-dh, dh) (in turns), saturation and value scaled by U(1/(1+A), 1+A)
    /// then shifted by U(-D, D), clipped to [0, 1].
    static func shiftHSV(_ image: inout [Float], side: Int, _ p: HSVShift, _ g: inout SeededGenerator) {
        func uniform(_ lo: Double, _ hi: Double) -> Float { Float(lo + (hi - lo) * Double(g.nextUnit())) }
        let dh = uniform(-p.dh, p.dh), ds = uniform(-p.ds, p.ds), dv = uniform(-p.dv, p.dv)
        let scaleS = uniform(1 / (1 + p.as), 1 + p.as), scaleV = uniform(1 / (1 + p.av), 1 + p.av)
        let plane = side * side
        for i in 0..<plane {
            let r = image[i], gr = image[plane + i], b = image[2 * plane + i]
            let maxC = max(r, gr, b), minC = min(r, gr, b), delta = maxC - minC
            var h: Float = 0
            if delta > 0 {
                if maxC == r { h = (gr - b) / delta } else if maxC == gr { h = 2 + (b - r) / delta } else { h = 4 + (r - gr) / delta }
                h /= 6
                if h < 0 { h += 1 }
            }
            var s: Float = maxC > 0 ? delta / maxC : 0
            var v = maxC
            h = (h + dh).truncatingRemainder(dividingBy: 1)
            if h < 0 { h += 1 }
            s = min(1, max(0, s * scaleS + ds))
            v = min(1, max(0, v * scaleV + dv))
            let sector = h * 6, k = Int(sector) % 6, f = sector - Float(Int(sector))
            let pv = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
            let (nr, ng, nb): (Float, Float, Float)
            switch k {
            case 0: (nr, ng, nb) = (v, t, pv)
            case 1: (nr, ng, nb) = (q, v, pv)
            case 2: (nr, ng, nb) = (pv, v, t)
            case 3: (nr, ng, nb) = (pv, q, v)
            case 4: (nr, ng, nb) = (t, pv, v)
            default: (nr, ng, nb) = (v, pv, q)
            }
            image[i] = nr
            image[plane + i] = ng
            image[2 * plane + i] = nb
        }
    }
}

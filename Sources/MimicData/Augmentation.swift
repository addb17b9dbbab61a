import Foundation
import MimicBasics
import MimicSpec

/// The paper's augmentation (section 2.5 of ../shared/paper/urban2017.md), on one image in
/// CHW floats in [0, 1], driven by a seeded generator: a random crop of side S in [min, max]
/// rescaled to the full size with bicubic interpolation, a horizontal flip with p = 0.5, a
/// translation by up to N pixels with reflected borders (the fast recipe's), and HSV shifts.
/// Returns whether the image was flipped (to pick the mirrored teacher logits).
public enum Augmentation {
    public static func apply(_ a: MimicSpec.Augmentation, to image: inout [Float], channels: Int, height: Int, width: Int,
                             generator g: inout SeededGenerator) -> Bool {
        if let range = a.cropRescale, range.lowerBound < height {
            // S counts rows; the crop keeps the image's aspect ratio (S x S on square images).
            let s = range.lowerBound + Int(g.next() % UInt64(min(range.upperBound, height) - range.lowerBound + 1))
            if s < height {
                let cropWidth = max(1, min(width, Int((Double(s * width) / Double(height)).rounded())))
                let y = Int(g.next() % UInt64(height - s + 1)), x = Int(g.next() % UInt64(width - cropWidth + 1))
                image = cropRescale(image, channels: channels, height: height, width: width,
                                    crop: (height: s, width: cropWidth), top: y, left: x)
            }
        }
        var flipped = false
        if a.flip && g.nextUnit() < 0.5 {
            flip(&image, channels: channels, width: width)
            flipped = true
        }
        if a.translate > 0 {
            let span = UInt64(2 * a.translate + 1)
            let dy = Int(g.next() % span) - a.translate, dx = Int(g.next() % span) - a.translate
            image = translate(image, channels: channels, height: height, width: width, dx: dx, dy: dy)
        }
        // Lowering refuses HSV shifts for images that are not RGB.
        if let hsv = a.hsv, channels == 3 { shiftHSV(&image, plane: height * width, hsv, &g) }
        return flipped
    }

    /// The image moved by (dx, dy): out(y, x) = in(y - dy, x - dx), a coordinate outside the
    /// image reflected back in without repeating the edge (PyTorch's "reflect" padding:
    /// -1 reads 1, side reads side - 2). |dx| < width, |dy| < height.
    public static func translate(_ image: [Float], channels: Int, height: Int, width: Int, dx: Int, dy: Int) -> [Float] {
        func reflect(_ i: Int, _ side: Int) -> Int { i < 0 ? -i : i >= side ? 2 * (side - 1) - i : i }
        var out = [Float](repeating: 0, count: image.count)
        for c in 0..<channels {
            let plane = c * height * width
            for y in 0..<height {
                let source = plane + reflect(y - dy, height) * width, target = plane + y * width
                for x in 0..<width { out[target + x] = image[source + reflect(x - dx, width)] }
            }
        }
        return out
    }

    /// Mirrors every row of `width` values left to right.
    public static func flip(_ image: inout [Float], channels: Int, width: Int) {
        for row in 0..<(image.count / width) {
            var i = row * width, j = row * width + width - 1
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

    /// Separable bicubic taps: output coordinate o samples crop coordinate
    /// (o + 0.5) * crop/size - 0.5, clamped to the crop.
    static func taps(crop: Int, size: Int) -> [[(Int, Float)]] {
        let scale = Double(crop) / Double(size)
        return (0..<size).map { o in
            let centre = (Double(o) + 0.5) * scale - 0.5
            let base = Int(floor(centre))
            var row: [(Int, Float)] = []
            var total = 0.0
            for k in (base - 1)...(base + 2) {
                let w = cubic(centre - Double(k))
                row.append((min(max(k, 0), crop - 1), Float(w)))
                total += w
            }
            return row.map { ($0.0, $0.1 / Float(total)) }
        }
    }

    /// Crops [top, left, crop.height x crop.width] of each channel and rescales it to
    /// height x width.
    public static func cropRescale(_ image: [Float], channels: Int, height: Int, width: Int,
                                   crop: (height: Int, width: Int), top: Int, left: Int) -> [Float] {
        let across = taps(crop: crop.width, size: width), down = taps(crop: crop.height, size: height)
        var out = [Float](repeating: 0, count: channels * height * width)
        var rows = [Float](repeating: 0, count: crop.height * width)
        for c in 0..<channels {
            // Horizontal pass over the crop's rows, then vertical.
            for y in 0..<crop.height {
                let source = (c * height + top + y) * width + left
                for x in 0..<width {
                    var sum: Float = 0
                    for (k, w) in across[x] { sum += w * image[source + k] }
                    rows[y * width + x] = sum
                }
            }
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for (k, w) in down[y] { sum += w * rows[k * width + x] }
                    out[(c * height + y) * width + x] = min(1, max(0, sum))
                }
            }
        }
        return out
    }

    /// Hue shifted by U(-dh, dh) (in turns), saturation and value scaled by U(1/(1+A), 1+A)
    /// then shifted by U(-D, D), clipped to [0, 1].
    static func shiftHSV(_ image: inout [Float], plane: Int, _ p: HSVShift, _ g: inout SeededGenerator) {
        func uniform(_ lo: Double, _ hi: Double) -> Float { Float(lo + (hi - lo) * Double(g.nextUnit())) }
        let dh = uniform(-p.dh, p.dh), ds = uniform(-p.ds, p.ds), dv = uniform(-p.dv, p.dv)
        let scaleS = uniform(1 / (1 + p.as), 1 + p.as), scaleV = uniform(1 / (1 + p.av), 1 + p.av)
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

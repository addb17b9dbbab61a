/// The float sums over one plane that batchnorm adds up per channel (in Double across planes),
/// and a bias gradient per image.
///
/// A float sum written as one running total is a chain of dependent additions, which the
/// compiler may not reorder: four cycles an element, which made batchnorm's passes over the
/// fast teacher's activations slower than the convolutions' transforms. Here eight running
/// totals (one SIMD8, whatever the CPU) take the elements in turn and are added at the end,
/// then the tail in order: a fixed order, the same on every machine and every thread count.
enum PlaneSums {
    /// Sum of p[0..<count].
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var lanes = SIMD8<Float>.zero, i = 0
        while i + 8 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    /// Sum of (p[i] - centre)² over p[0..<count].
    @inline(__always)
    static func centredSquares(_ p: UnsafePointer<Float>, count: Int, centre: Float) -> Float {
        let raw = UnsafeRawPointer(p)
        let c = SIMD8<Float>(repeating: centre)
        var lanes = SIMD8<Float>.zero, i = 0
        while i + 8 <= count {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - c
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            let d = p[i] - centre
            total += d * d
            i += 1
        }
        return total
    }

    /// Sums of g[i] and of g[i] * ((x[i] - mean) * invStd) over i < count.
    @inline(__always)
    static func gradientSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float, invStd: Float
    ) -> (dy: Float, dyXhat: Float) {
        let gs = UnsafeRawPointer(g), xs = UnsafeRawPointer(x)
        let m = SIMD8<Float>(repeating: mean), s = SIMD8<Float>(repeating: invStd)
        var dyLanes = SIMD8<Float>.zero, dyXhatLanes = SIMD8<Float>.zero, i = 0
        while i + 8 <= count {
            let dy = gs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let xhat = (xs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m) * s
            dyLanes += dy
            dyXhatLanes += dy * xhat
            i += 8
        }
        var dy = dyLanes.sum(), dyXhat = dyXhatLanes.sum()
        while i < count {
            dy += g[i]
            dyXhat += g[i] * ((x[i] - mean) * invStd)
            i += 1
        }
        return (dy, dyXhat)
    }
}

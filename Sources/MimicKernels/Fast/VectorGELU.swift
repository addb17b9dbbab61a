import CVectorMath

/// GELU and its derivative many lanes at a time. libm's `erff` and `expf` cost about 5 ns an
/// element here; the fast recipe's network applies GELU to about 82,000 values per image and
/// its derivative to as many, a fifth of a training step. These use the Abramowitz-Stegun
/// 7.1.26 rational approximation of erf (absolute error below 1.5e-7, float's own rounding)
/// and an exp by range reduction and a degree-6 polynomial (relative error about 2e-7).
/// `apply` and `gradient` run CVectorMath's sixteen- or eight-lane code where the CPU has
/// AVX-512 or AVX2 with FMA (0.46 ns an element against 3-4 for the SIMD8 code below, which
/// the x86-64 baseline compiles to pairs of SSE operations), and this file's code elsewhere.
/// Twins: `Elementwise.activate` and `derivative` (libm), and the reference's double `erf`.
public enum VectorGELU {
    public typealias Lanes = SIMD8<Float>

    /// e^x for x in [-87, 88]; x outside is clamped (e^-87 is 1.6e-38, as good as 0 here).
    @inline(__always)
    public static func exp(_ x: Lanes) -> Lanes {
        let clamped = x.clamped(lowerBound: Lanes(repeating: -87), upperBound: Lanes(repeating: 88))
        // k = round(x / ln2) by the 1.5 x 2^23 trick: adding it leaves k in the low mantissa
        // bits (plain float operations, where SIMD `rounded` and conversions go lane by lane).
        let shifter = Lanes(repeating: 12_582_912)
        let t = clamped * 1.442695041 + shifter
        let k = t - shifter
        // x = k ln2 + r, |r| <= ln2 / 2, with ln2 split in two so r keeps its low bits.
        var r = clamped - k * 0.693145752
        r = r - k * 1.42860677e-6
        var p = Lanes(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Lanes.self)
        return p * scale
    }

    /// erf(x), odd, from the approximation on |x|.
    @inline(__always)
    public static func erf(_ x: Lanes) -> Lanes {
        let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: Lanes.self)
        let t = 1 / (1 + 0.3275911 * a)
        var p = Lanes(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        p = p * t
        let y: Lanes = 1 - p * exp(-(a * a))
        // y >= 0 (to rounding): x's sign bit makes it odd.
        let sign = unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x8000_0000
        return unsafeBitCast(unsafeBitCast(y, to: SIMD8<UInt32>.self) | sign, to: Lanes.self)
    }

    @inline(__always)
    public static func gelu(_ x: Lanes) -> Lanes { 0.5 * x * (1 + erf(x * 0.70710678)) }

    /// d gelu / dx = Phi(x) + x phi(x).
    @inline(__always)
    public static func derivative(_ x: Lanes) -> Lanes {
        0.5 * (1 + erf(x * 0.70710678)) + x * 0.39894228 * exp(-0.5 * x * x)
    }

    /// y[i] = gelu(x[i]); y may be x.
    public static func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        if mimic_gelu_vectorized() != 0 { return mimic_gelu(x, y, count) }
        var i = 0
        while i + 8 <= count {
            store(gelu(load(x + i)), y + i)
            i += 8
        }
        while i < count {
            y[i] = Elementwise.activate(.gelu, x[i])
            i += 1
        }
    }

    /// dx[i] = dy[i] * gelu'(x[i]); dx may be dy.
    public static func gradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        if mimic_gelu_vectorized() != 0 { return mimic_gelu_gradient(dy, x, dx, count) }
        var i = 0
        while i + 8 <= count {
            store(load(dy + i) * derivative(load(x + i)), dx + i)
            i += 8
        }
        while i < count {
            dx[i] = dy[i] * Elementwise.derivative(.gelu, from: x[i])
            i += 1
        }
    }

    /// Which code runs, for tests that check each one the CPU has.
    public enum Code: Int32, CaseIterable, Sendable {
        /// The CPU's best: AVX-512 where it has it, else AVX2 with FMA, else this file's.
        case best = 0
        /// AVX2 with FMA even where AVX-512 is available.
        case avx2 = 2
        /// This file's eight-lane Swift code.
        case portable = 3
    }

    /// Tests: runs `body` with `code` chosen, then the CPU's best again. Process-wide.
    public static func with<T>(_ code: Code, _ body: () throws -> T) rethrows -> T {
        mimic_gelu_force(code.rawValue)
        defer { mimic_gelu_force(0) }
        return try body()
    }

    /// Whether `with(code)` runs code of its own on this CPU (not a fallback to another).
    public static func runs(_ code: Code) -> Bool {
        with(code) {
            switch code {
            case .portable: return mimic_gelu_vectorized() == 0
            case .avx2, .best: return mimic_gelu_vectorized() != 0
            }
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }
}

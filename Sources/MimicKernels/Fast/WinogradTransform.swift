/// The matrices of Winograd's minimal filtering algorithm F(m, r) (Lavin & Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016): m outputs of an r-tap correlation
/// from an input tile of alpha = m + r - 1 values with alpha multiplications,
///     y = Aᵀ [(G g) ⊙ (Bᵀ d)],
/// and in two dimensions Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A.
///
/// Built here, not tabulated, by the Cook-Toom construction: the correlation is the transpose
/// of the linear convolution of g (r taps) with h (m taps), which evaluates both polynomials
/// at alpha - 1 points and at infinity (the leading coefficient), multiplies, and interpolates
/// back. With the points a_j and N_j(x) = prod_{l != j} (x - a_l), M(x) = prod_l (x - a_l):
///     Aᵀ[i][j] = a_j^i,                Aᵀ[i][last] = [i == m-1]
///     G[j][k]  = a_j^k / N_j(a_j),     G[last][k]  = [k == r-1]
///     Bᵀ[j][k] = coefficient k of N_j, Bᵀ[last][k] = coefficient k of M.
/// The points 0, ±1, ±2, ±1/2 are the usual choice: small, so that float32 keeps its accuracy
/// at the tile sizes used here (alpha = 6).
public struct WinogradTransform: Sendable, Equatable {
    public let m: Int
    public let r: Int
    public var alpha: Int { m + r - 1 }
    /// Row-major [m][alpha].
    public let at: [Float]
    /// Row-major [alpha][r].
    public let g: [Float]
    /// Row-major [alpha][alpha].
    public let bt: [Float]

    static let points: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5, 3, -3]

    public init(outputs m: Int, kernel r: Int) {
        let alpha = m + r - 1
        precondition(m >= 1 && r >= 1 && alpha - 1 <= Self.points.count, "internal error: unsupported Winograd tile F(\(m),\(r))")
        self.m = m
        self.r = r
        let a = Array(Self.points.prefix(alpha - 1))
        var at = [Double](repeating: 0, count: m * alpha)
        var g = [Double](repeating: 0, count: alpha * r)
        var bt = [Double](repeating: 0, count: alpha * alpha)
        for (j, point) in a.enumerated() {
            let others = a.enumerated().filter { $0.offset != j }.map(\.element)
            let n = Self.polynomial(roots: others)
            let scale = others.reduce(1.0) { $0 * (point - $1) }
            for i in 0..<m { at[i * alpha + j] = Self.power(point, i) }
            for k in 0..<r { g[j * r + k] = Self.power(point, k) / scale }
            for k in 0..<n.count { bt[j * alpha + k] = n[k] }
        }
        let last = alpha - 1
        at[(m - 1) * alpha + last] = 1
        g[last * r + r - 1] = 1
        for (k, c) in Self.polynomial(roots: a).enumerated() { bt[last * alpha + k] = c }
        self.at = at.map(Float.init)
        self.g = g.map(Float.init)
        self.bt = bt.map(Float.init)
    }

    /// Coefficients, lowest degree first, of prod (x - root).
    static func polynomial(roots: [Double]) -> [Double] {
        var c: [Double] = [1]
        for root in roots {
            var next = [Double](repeating: 0, count: c.count + 1)
            for (k, value) in c.enumerated() {
                next[k + 1] += value
                next[k] -= root * value
            }
            c = next
        }
        return c
    }

    /// x^n with 0^0 = 1.
    static func power(_ x: Double, _ n: Int) -> Double { (0..<n).reduce(1.0) { p, _ in p * x } }
}

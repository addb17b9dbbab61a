#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian-process regression over the unit cube with a Matérn-5/2 kernel, as Spearmint
/// used, with one length scale per dimension (automatic relevance determination): a search
/// over five to eight values of very different importance learns which ones matter.
/// Observations are standardised; the length scales and noise are chosen by maximum
/// marginal likelihood (with a weak log-normal prior on each length scale, so a handful of
/// points cannot drive one to an extreme): an isotropic grid first, then two sweeps of
/// coordinate search over each dimension's scale. No gradient-based optimiser is needed at
/// the few dozen points a search has.
public struct GaussianProcess: Sendable {
    let points: [[Double]]
    /// One length scale per dimension of the cube.
    public let lengthScales: [Double]
    let noise: Double
    let mean: Double
    let scale: Double
    /// Cholesky factor of K + noise I, lower triangular, row-major.
    let factor: [Double]
    /// (K + noise I)^-1 y, of the standardised observations.
    let alpha: [Double]

    static let lengthScales = [0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.7, 1.0, 1.5, 2.5, 5.0, 10.0]
    static let noises = [1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.1]

    private struct Fit {
        var objective: Double
        var lengths: [Double]
        var noise: Double
        var factor: [Double]
        var alpha: [Double]
    }

    /// Fits the process to `points` (each in the unit cube) and their `values`; nil if there
    /// are fewer than two points.
    public init?(points: [[Double]], values: [Double]) {
        guard points.count >= 2, points.count == values.count else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let scale = variance > 1e-12 ? variance.squareRoot() : 1
        let y = values.map { ($0 - mean) / scale }
        let dimensions = points[0].count
        func fit(_ lengths: [Double], _ noise: Double) -> Fit? {
            guard let factor = Self.cholesky(Self.covariance(points, lengths: lengths, noise: noise), points.count) else { return nil }
            let alpha = Self.solve(factor, y, points.count)
            var logDet = 0.0
            for i in 0..<points.count { logDet += log(factor[i * points.count + i]) }
            let data = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
            let prior = lengths.reduce(0) { $0 + pow(log($1 / 0.5), 2) } / (2 * 3 * 3)
            return Fit(objective: -0.5 * data - logDet - prior, lengths: lengths, noise: noise, factor: factor, alpha: alpha)
        }
        var best: Fit?
        func consider(_ candidate: Fit?) {
            if let candidate, best == nil || candidate.objective > best!.objective { best = candidate }
        }
        for length in Self.lengthScales {
            for noise in Self.noises { consider(fit([Double](repeating: length, count: dimensions), noise)) }
        }
        guard best != nil else { return nil }
        if dimensions > 1 {
            for _ in 0..<2 {
                for d in 0..<dimensions {
                    for length in Self.lengthScales where length != best!.lengths[d] {
                        var lengths = best!.lengths
                        lengths[d] = length
                        consider(fit(lengths, best!.noise))
                    }
                }
            }
        }
        guard let best else { return nil }
        self.points = points
        self.lengthScales = best.lengths
        self.noise = best.noise
        self.mean = mean
        self.scale = scale
        self.factor = best.factor
        self.alpha = best.alpha
    }

    /// Posterior mean and standard deviation at `x`, in the units of the observations.
    public func predict(_ x: [Double]) -> (mean: Double, deviation: Double) {
        let n = points.count
        let k = points.map { Self.kernel($0, x, lengths: lengthScales) }
        let mu = zip(k, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        // v = L^-1 k; variance = k(x, x) - v.v
        var v = k
        for i in 0..<n {
            var sum = v[i]
            for j in 0..<i { sum -= factor[i * n + j] * v[j] }
            v[i] = sum / factor[i * n + i]
        }
        let variance = max(1e-12, 1 - v.reduce(0) { $0 + $1 * $1 })
        return (mean + scale * mu, scale * variance.squareRoot())
    }

    /// Expected improvement over `best` when maximising.
    public func expectedImprovement(_ x: [Double], best: Double) -> Double {
        let (mu, sigma) = predict(x)
        let z = (mu - best) / sigma
        return (mu - best) * Self.normalCDF(z) + sigma * Self.normalPDF(z)
    }

    static func kernel(_ a: [Double], _ b: [Double], lengths: [Double]) -> Double {
        var d2 = 0.0
        for i in a.indices {
            let d = (a[i] - b[i]) / lengths[i]
            d2 += d * d
        }
        let r = (5 * d2).squareRoot()
        return (1 + r + r * r / 3) * exp(-r)
    }

    static func covariance(_ points: [[Double]], lengths: [Double], noise: Double) -> [Double] {
        let n = points.count
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let v = kernel(points[i], points[j], lengths: lengths)
                k[i * n + j] = v
                k[j * n + i] = v
            }
            k[i * n + i] += noise
        }
        return k
    }

    /// The lower Cholesky factor of a symmetric positive-definite matrix, or nil.
    static func cholesky(_ a: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// Solves (L L^T) x = b.
    static func solve(_ l: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var y = b
        for i in 0..<n {
            var sum = y[i]
            for j in 0..<i { sum -= l[i * n + j] * y[j] }
            y[i] = sum / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for j in (i + 1)..<n { sum -= l[j * n + i] * y[j] }
            y[i] = sum / l[i * n + i]
        }
        return y
    }

    static func normalPDF(_ z: Double) -> Double { exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
}

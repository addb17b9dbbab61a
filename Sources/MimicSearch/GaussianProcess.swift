#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian-process regression over the unit cube with a Matérn-5/2 kernel, as Spearmint
/// used. Observations are standardised; the length scale and noise are chosen by maximum
/// marginal likelihood over a small grid, which is robust at the few dozen points a search
/// has and needs no gradient-based optimiser.
public struct GaussianProcess: Sendable {
    let points: [[Double]]
    let lengthScale: Double
    let noise: Double
    let mean: Double
    let scale: Double
    /// Cholesky factor of K + noise I, lower triangular, row-major.
    let factor: [Double]
    /// (K + noise I)^-1 y, of the standardised observations.
    let alpha: [Double]

    static let lengthScales = [0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.7, 1.0, 1.5]
    static let noises = [1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.1]

    /// Fits the process to `points` (each in the unit cube) and their `values`; nil if there
    /// are fewer than two points.
    public init?(points: [[Double]], values: [Double]) {
        guard points.count >= 2, points.count == values.count else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let scale = variance > 1e-12 ? variance.squareRoot() : 1
        let y = values.map { ($0 - mean) / scale }
        var best: (likelihood: Double, length: Double, noise: Double, factor: [Double], alpha: [Double])?
        for length in Self.lengthScales {
            for noise in Self.noises {
                guard let factor = Self.cholesky(Self.covariance(points, length: length, noise: noise), points.count) else { continue }
                let alpha = Self.solve(factor, y, points.count)
                var logDet = 0.0
                for i in 0..<points.count { logDet += log(factor[i * points.count + i]) }
                let fit = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
                let likelihood = -0.5 * fit - logDet
                if best == nil || likelihood > best!.likelihood { best = (likelihood, length, noise, factor, alpha) }
            }
        }
        guard let best else { return nil }
        self.points = points
        self.lengthScale = best.length
        self.noise = best.noise
        self.mean = mean
        self.scale = scale
        self.factor = best.factor
        self.alpha = best.alpha
    }

    /// Posterior mean and standard deviation at `x`, in the units of the observations.
    public func predict(_ x: [Double]) -> (mean: Double, deviation: Double) {
        let n = points.count
        let k = points.map { Self.kernel($0, x, length: lengthScale) }
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

    static func kernel(_ a: [Double], _ b: [Double], length: Double) -> Double {
        var d2 = 0.0
        for i in a.indices { d2 += (a[i] - b[i]) * (a[i] - b[i]) }
        let r = (5 * d2).squareRoot() / length
        return (1 + r + r * r / 3) * exp(-r)
    }

    static func covariance(_ points: [[Double]], length: Double, noise: Double) -> [Double] {
        let n = points.count
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let v = kernel(points[i], points[j], length: length)
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

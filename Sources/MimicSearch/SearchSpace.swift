/// MimicSearch proposes the trials of a study's search: grid, random, and Bayesian
/// optimisation (a Gaussian process with expected improvement), all over the unit cube.

import MimicSpec

/// A search space as the unit cube: every dimension is a coordinate in [0, 1] that maps to
/// a value of its distribution. Samplers and the Gaussian process work in the cube, so they
/// treat log scales, integers and choices alike.
public struct SearchSpace: Sendable {
    public var dimensions: [SearchDimension]

    public init(_ dimensions: [SearchDimension]) { self.dimensions = dimensions }

    public var count: Int { dimensions.count }

    /// The point of the spec's own values (`search.start: spec`), or nil if one of them lies
    /// outside its distribution (lint reports that).
    public func point(of spec: Spec) -> [Double]? {
        var point: [Double] = []
        for dimension in dimensions {
            guard let node = SearchPathResolver.value(at: dimension.path, in: spec),
                  let u = dimension.distribution.unit(of: node)
            else { return nil }
            point.append(u)
        }
        return point
    }

    /// The spec values a point of the cube stands for.
    public func assignment(_ point: [Double]) -> [Assignment] {
        zip(dimensions, point).map { Assignment(path: $0.path, value: Self.value($0.distribution, at: $1)) }
    }

    static func value(_ distribution: Distribution, at u: Double) -> ChoiceValue {
        let u = min(max(u, 0), 1)
        switch distribution {
        case .uniform(let lo, let hi): return .double(lo + u * (hi - lo))
        case .logUniform(let lo, let hi): return .double(exp(log(lo) + u * (log(hi) - log(lo))))
        case .int(let lo, let hi): return .int(min(hi, lo + Int(u * Double(hi - lo + 1))))
        case .choice(let values): return values[min(values.count - 1, Int(u * Double(values.count)))]
        }
    }

    /// The point that stands for discrete values exactly: each integer or choice at the centre
    /// of its cell, so that the Gaussian process sees one coordinate per value.
    public func snapped(_ point: [Double]) -> [Double] {
        zip(dimensions, point).map { dimension, u in
            switch dimension.distribution {
            case .uniform, .logUniform: return min(max(u, 0), 1)
            case .int(let lo, let hi):
                let cells = Double(hi - lo + 1)
                return (min(cells - 1, (min(max(u, 0), 1) * cells).rounded(.down)) + 0.5) / cells
            case .choice(let values):
                let cells = Double(values.count)
                return (min(cells - 1, (min(max(u, 0), 1) * cells).rounded(.down)) + 0.5) / cells
            }
        }
    }

    /// How many points a grid search enumerates: the product of every dimension's values.
    public var gridSize: Int {
        dimensions.reduce(1) { total, dimension in
            let n: Int
            switch dimension.distribution {
            case .int(let lo, let hi): n = hi - lo + 1
            case .choice(let values): n = values.count
            case .uniform, .logUniform: n = 1
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            return overflow ? Int.max : product
        }
    }

    /// The `index`-th point of the grid, the last dimension varying fastest.
    public func gridPoint(_ index: Int) -> [Double] {
        var rest = index
        var point = [Double](repeating: 0.5, count: count)
        for i in dimensions.indices.reversed() {
            let n: Int
            switch dimensions[i].distribution {
            case .int(let lo, let hi): n = hi - lo + 1
            case .choice(let values): n = values.count
            case .uniform, .logUniform: n = 1
            }
            point[i] = (Double(rest % n) + 0.5) / Double(n)
            rest /= n
        }
        return point
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

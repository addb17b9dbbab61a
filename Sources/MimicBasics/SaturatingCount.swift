/// Counts of parameters, values and FLOPs that stop at `Int.max` instead of trapping: a spec
/// asking for 10^20 parameters must get a diagnostic that names the figure, not an overflow
/// trap. Every product of a spec's sizes goes through here; `SaturatingCount.limit` is where
/// the analysis calls a model impossible.
public enum SaturatingCount {
    /// The largest count of parameters, values per image or FLOPs per image a model may have
    /// (2^40, about 1.1e12): beyond any machine's memory, and far enough below `Int.max` that
    /// a plan's bytes (counts times a batch of up to 2^31, over many buffers) stay countable.
    public static let limit = 1 << 40

    /// The product, or `Int.max` when it does not fit.
    public static func product(_ factors: Int...) -> Int { product(factors) }

    public static func product(_ factors: [Int]) -> Int {
        var result = 1
        for factor in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return factors.contains(0) ? 0 : .max }
            result = value
        }
        return result
    }

    /// The sum, or `Int.max` when it does not fit.
    public static func sum(_ terms: Int...) -> Int { sum(terms) }

    public static func sum(_ terms: [Int]) -> Int {
        var result = 0
        for term in terms {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return .max }
            result = value
        }
        return result
    }
}

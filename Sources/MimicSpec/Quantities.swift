/// Human-friendly numbers used by budgets: `1M`, `3.16M`, `31.6M`, `250k`, `1000000`,
/// and percentages such as `0.5%`.
public enum Quantity {
    /// A whole count written with an optional k/M/G suffix. nil if malformed or fractional.
    public static func count(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace
        guard let last = trimmed.last else { return nil }
        let multipliers: [Character: Double] = ["k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9]
        let scale = multipliers[last] ?? 1
        let digits = multipliers[last] == nil ? trimmed : String(trimmed.dropLast())
        let cleaned = String(digits.filter { $0 != "_" && $0 != "," })
        guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" }),
            let value = Double(cleaned)
        else { return nil }
        let product = (value * scale).rounded()
        // Reject counts that are not whole (1.5 parameters) up to float rounding.
        guard product > 0, product < 1e15, abs(product - value * scale) < 1e-6 * max(1, product) else {
            return nil
        }
        return Int(product)
    }

    /// A fraction written as `0.5%` or as a plain number (`0.005`).
    public static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingWhitespace
        if trimmed.hasSuffix("%") {
            guard let value = Double(trimmed.dropLast().trimmingWhitespace), value.isFinite else { return nil }
            return value / 100
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

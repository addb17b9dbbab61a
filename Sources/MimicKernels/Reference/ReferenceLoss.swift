import Foundation
import MimicVocabulary

/// The losses, averaged over the batch, and their gradients with respect to the logits.
/// - mimic: ||z - t||² summed over classes (Urban et al.'s L2 on logits)
/// - cross-entropy: -log softmax(z)[label], or against smoothed labels
/// - kd: alpha T² KL(softmax(t/T) || softmax(z/T)) + (1 - alpha) cross-entropy
public enum ReferenceLoss {
    static func softmax(_ z: ArraySlice<Float>, temperature: Double = 1) -> [Double] {
        let scaled = z.map { Double($0) / temperature }
        let top = scaled.max() ?? 0
        let e = scaled.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// logits [N,K]; teacher [N,K] (mimic, kd); labels [N] as class indices (cross-entropy, kd).
    public static func value(_ kind: LossKind, logits z: Tensor, teacher t: Tensor?, labels: Tensor?) -> Double {
        let (n, k) = (z.shape[0], z.shape[1])
        var total = 0.0
        for b in 0..<n {
            let row = z.data[(b * k)..<((b + 1) * k)]
            switch kind {
            case .mimic:
                for j in 0..<k { let d = Double(z.data[b * k + j] - t!.data[b * k + j]); total += d * d }
            case .mimicMean:
                for j in 0..<k { let d = Double(z.data[b * k + j] - t!.data[b * k + j]); total += d * d / Double(k) }
            case .crossEntropy:
                total -= log(softmax(row)[Int(labels!.data[b])])
            case .smoothedCrossEntropy:
                let s = softmax(row)
                for j in 0..<k { total -= kind.target(j, label: Int(labels!.data[b]), classes: k) * log(s[j]) }
            case .kd(let temperature, let alpha):
                let p = softmax(t!.data[(b * k)..<((b + 1) * k)], temperature: temperature)
                let q = softmax(row, temperature: temperature)
                var kl = 0.0
                for j in 0..<k where p[j] > 0 { kl += p[j] * (log(p[j]) - log(q[j])) }
                total += alpha * temperature * temperature * kl - (1 - alpha) * log(softmax(row)[Int(labels!.data[b])])
            }
        }
        return total / Double(n)
    }

    public static func grad(_ kind: LossKind, logits z: Tensor, teacher t: Tensor?, labels: Tensor?) -> Tensor {
        let (n, k) = (z.shape[0], z.shape[1])
        var g = Tensor(zeros: z.shape)
        for b in 0..<n {
            let row = z.data[(b * k)..<((b + 1) * k)]
            switch kind {
            case .mimic:
                for j in 0..<k { g.data[b * k + j] = Float(2 * Double(z.data[b * k + j] - t!.data[b * k + j]) / Double(n)) }
            case .mimicMean:
                for j in 0..<k {
                    g.data[b * k + j] = Float(2 * Double(z.data[b * k + j] - t!.data[b * k + j]) / Double(n * k))
                }
            case .crossEntropy:
                let s = softmax(row)
                for j in 0..<k { g.data[b * k + j] = Float((s[j] - (j == Int(labels!.data[b]) ? 1 : 0)) / Double(n)) }
            case .smoothedCrossEntropy:
                let s = softmax(row)
                for j in 0..<k { g.data[b * k + j] = Float((s[j] - kind.target(j, label: Int(labels!.data[b]), classes: k)) / Double(n)) }
            case .kd(let temperature, let alpha):
                let p = softmax(t!.data[(b * k)..<((b + 1) * k)], temperature: temperature)
                let q = softmax(row, temperature: temperature)
                let s = softmax(row)
                for j in 0..<k {
                    let soft = alpha * temperature * (q[j] - p[j])
                    let hard = (1 - alpha) * (s[j] - (j == Int(labels!.data[b]) ? 1 : 0))
                    g.data[b * k + j] = Float((soft + hard) / Double(n))
                }
            }
        }
        return g
    }
}

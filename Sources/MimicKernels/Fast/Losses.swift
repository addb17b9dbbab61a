import Foundation
import MimicVocabulary

/// The losses on raw buffers: logits [N,K], teacher [N,K], labels [N] (class indices as
/// floats). Returns the batch mean and writes d loss / d logits; the same definitions as
/// ReferenceLoss, accumulated in Double.
public enum Losses {
    public static func valueAndGradient(
        _ kind: LossKind, logits z: UnsafePointer<Float>, teacher t: UnsafePointer<Float>?,
        labels: UnsafePointer<Float>?, batch n: Int, classes k: Int, gradient g: UnsafeMutablePointer<Float>?
    ) -> Double {
        var total = 0.0
        let inverse = 1 / Double(n)
        var p = [Double](repeating: 0, count: k), q = [Double](repeating: 0, count: k), s = [Double](repeating: 0, count: k)
        func softmax(_ row: UnsafePointer<Float>, _ temperature: Double, _ out: inout [Double]) {
            var top = -Double.infinity
            for j in 0..<k { top = max(top, Double(row[j]) / temperature) }
            var sum = 0.0
            for j in 0..<k { out[j] = exp(Double(row[j]) / temperature - top); sum += out[j] }
            for j in 0..<k { out[j] /= sum }
        }
        for b in 0..<n {
            let row = z + b * k
            switch kind {
            case .mimic, .mimicMean:
                let target = t! + b * k
                let perClass = kind == .mimicMean ? 1 / Double(k) : 1
                for j in 0..<k {
                    let d = Double(row[j] - target[j])
                    total += d * d * perClass
                    g?[b * k + j] = Float(2 * d * inverse * perClass)
                }
            case .crossEntropy:
                softmax(row, 1, &s)
                let label = Int(labels![b])
                total -= log(max(s[label], Double.leastNormalMagnitude))
                if let g { for j in 0..<k { g[b * k + j] = Float((s[j] - (j == label ? 1 : 0)) * inverse) } }
            case .smoothedCrossEntropy:
                softmax(row, 1, &s)
                let label = Int(labels![b])
                for j in 0..<k {
                    let target = kind.target(j, label: label, classes: k)
                    total -= target * log(max(s[j], Double.leastNormalMagnitude))
                    g?[b * k + j] = Float((s[j] - target) * inverse)
                }
            case .kd(let temperature, let alpha):
                softmax(t! + b * k, temperature, &p)
                softmax(row, temperature, &q)
                softmax(row, 1, &s)
                let label = Int(labels![b])
                var kl = 0.0
                for j in 0..<k where p[j] > 0 { kl += p[j] * (log(p[j]) - log(max(q[j], Double.leastNormalMagnitude))) }
                total += alpha * temperature * temperature * kl - (1 - alpha) * log(max(s[label], Double.leastNormalMagnitude))
                if let g {
                    for j in 0..<k {
                        let soft = alpha * temperature * (q[j] - p[j])
                        let hard = (1 - alpha) * (s[j] - (j == label ? 1 : 0))
                        g[b * k + j] = Float((soft + hard) * inverse)
                    }
                }
            }
        }
        return total * inverse
    }
}

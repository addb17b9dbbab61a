/// The losses a network can be trained with, averaged over the batch. The one definition:
/// the spec lowers to it, graphs end in it, and the kernels compute it.
/// - mimic: ||z - t||² summed over classes (Urban et al.'s L2 on the teacher's logits)
/// - mimic with `reduce: mean`: ||z - t||² / K, the mean over the K classes: the same
///   minimiser with K-times smaller gradients and curvature (K = 10: a 10x larger safe rate)
/// - cross-entropy: -log softmax(z)[label]
/// - cross-entropy with label smoothing e: -sum_k t_k log softmax(z)_k with the target
///   t = (1 - e) onehot(label) + e / K (PyTorch's `label_smoothing`)
/// - kd: alpha T² KL(softmax(t/T) || softmax(z/T)) + (1 - alpha) cross-entropy
public enum LossKind: Sendable, Equatable, CustomStringConvertible {
    case mimic
    /// The mimic loss averaged over the classes instead of summed.
    case mimicMean
    case crossEntropy
    /// Cross-entropy against labels smoothed by `smoothing` (0 < smoothing < 1).
    case smoothedCrossEntropy(smoothing: Double)
    /// Knowledge distillation: alpha weights the soft term (scaled by T²) against hard labels.
    case kd(temperature: Double, alpha: Double)

    /// Whether this loss needs a teacher's logits.
    public var needsTeacher: Bool {
        switch self {
        case .mimic, .mimicMean, .kd: true
        case .crossEntropy, .smoothedCrossEntropy: false
        }
    }

    /// Whether this loss needs the images' labels.
    public var needsLabels: Bool {
        switch self {
        case .crossEntropy, .smoothedCrossEntropy, .kd: true
        case .mimic, .mimicMean: false
        }
    }

    /// Where a loss op finds its targets among its inputs, after the logits: the teacher's
    /// logits first when the loss needs them, then the labels. Graphs, kernels and the
    /// reference all read targets through this, so a new loss only says what it needs.
    public var teacherInput: Int? { needsTeacher ? 1 : nil }
    public var labelInput: Int? { needsLabels ? (needsTeacher ? 2 : 1) : nil }
    public var inputCount: Int { 1 + (needsTeacher ? 1 : 0) + (needsLabels ? 1 : 0) }

    /// The target probabilities of a label-based loss: (1 - e) on the label and e / K on every
    /// class (e = 0 without smoothing).
    public func target(_ j: Int, label: Int, classes: Int) -> Double {
        let e: Double
        switch self {
        case .smoothedCrossEntropy(let smoothing): e = smoothing
        case .mimic, .mimicMean, .crossEntropy, .kd: e = 0
        }
        return (j == label ? 1 - e : 0) + e / Double(classes)
    }

    public var description: String {
        switch self {
        case .mimic: "mimic"
        case .mimicMean: "mimic(mean)"
        case .crossEntropy: "cross-entropy"
        case .smoothedCrossEntropy(let e): "cross-entropy(smoothing=\(e))"
        case .kd(let t, let a): "kd(T=\(t), alpha=\(a))"
        }
    }
}

/// The losses a network can be trained with, averaged over the batch. The one definition:
/// the spec lowers to it, graphs end in it, and the kernels compute it.
/// - mimic: ||z - t||² summed over classes (Urban et al.'s L2 on the teacher's logits)
/// - cross-entropy: -log softmax(z)[label]
/// - kd: alpha T² KL(softmax(t/T) || softmax(z/T)) + (1 - alpha) cross-entropy
public enum LossKind: Sendable, Equatable, CustomStringConvertible {
    case mimic
    case crossEntropy
    /// Knowledge distillation: alpha weights the soft term (scaled by T²) against hard labels.
    case kd(temperature: Double, alpha: Double)

    /// Whether this loss needs a teacher's logits.
    public var needsTeacher: Bool {
        switch self {
        case .mimic, .kd: true
        case .crossEntropy: false
        }
    }

    /// Whether this loss needs the images' labels.
    public var needsLabels: Bool {
        switch self {
        case .crossEntropy, .kd: true
        case .mimic: false
        }
    }

    /// Where a loss op finds its targets among its inputs, after the logits: the teacher's
    /// logits first when the loss needs them, then the labels. Graphs, kernels and the
    /// reference all read targets through this, so a new loss only says what it needs.
    public var teacherInput: Int? { needsTeacher ? 1 : nil }
    public var labelInput: Int? { needsLabels ? (needsTeacher ? 2 : 1) : nil }
    public var inputCount: Int { 1 + (needsTeacher ? 1 : 0) + (needsLabels ? 1 : 0) }

    public var description: String {
        switch self {
        case .mimic: "mimic"
        case .crossEntropy: "cross-entropy"
        case .kd(let t, let a): "kd(T=\(t), alpha=\(a))"
        }
    }
}

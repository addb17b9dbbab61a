/// Top-1 accuracy: the share of rows whose largest logit is the label's (ties go to the lower
/// class, as an argmax that scans upward). Evaluation during training and the accuracies a
/// teacher export records count the same way.
public enum Accuracy {
    /// How many of `rows` rows of `classes` logits pick their label.
    public static func correct(_ logits: UnsafePointer<Float>, rows: Int, classes: Int, labels: ArraySlice<UInt8>) -> Int {
        var correct = 0
        for row in 0..<rows {
            let z = logits + row * classes
            var best = 0
            for k in 1..<classes where z[k] > z[best] { best = k }
            if best == Int(labels[labels.startIndex + row]) { correct += 1 }
        }
        return correct
    }

    /// The accuracy of rows `rows` of a [images, classes] matrix against `labels` (one per image).
    public static func of(_ logits: [Float], classes: Int, labels: [UInt8], rows: Range<Int>) -> Double {
        guard !rows.isEmpty else { return 0 }
        let hits = logits.withUnsafeBufferPointer {
            correct($0.baseAddress! + rows.lowerBound * classes, rows: rows.count, classes: classes, labels: labels[rows])
        }
        return Double(hits) / Double(rows.count)
    }
}

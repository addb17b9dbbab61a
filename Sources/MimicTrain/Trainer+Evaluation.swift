import MimicData
import MimicSpec

extension Trainer {
    /// Accuracy of the current weights on a split, the logits averaged over the views of `tta`
    /// (validation uses the image alone; the test split the spec's `train.tta`).
    func evaluate(_ set: ImageSet, tta: TestTimeAugmentation = .none) -> Double {
        evaluateWithAndWithoutViews(set, tta: tta).views
    }

    /// The accuracy with the views of `tta` and that of the image alone, from one pass.
    func evaluateWithAndWithoutViews(_ set: ImageSet, tta: TestTimeAugmentation) -> (views: Double, alone: Double) {
        evaluator.load(parameters: trainer.parameters, state: trainer.state)
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: data.classes,
                              normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                              augmentation: nil, statisticsFrom: data.splits.train)
        let classes = data.classes
        var correct = 0, correctAlone = 0
        // Without views the image alone is what is scored: count it once (validation, every epoch).
        let alone: ((Int, Int, UnsafePointer<Float>) -> Void)? = tta == .none ? nil : { start, count, logits in
            correctAlone += Accuracy.correct(logits, rows: count, classes: classes, labels: set.labels[start..<(start + count)])
        }
        ViewedInference.run(evaluator, batcher: batcher, count: set.count, classes: classes, tta: tta, alone: alone) { start, count, logits in
            correct += Accuracy.correct(logits, rows: count, classes: classes, labels: set.labels[start..<(start + count)])
        }
        let total = Double(max(1, set.count))
        return (Double(correct) / total, Double(tta == .none ? correct : correctAlone) / total)
    }
}

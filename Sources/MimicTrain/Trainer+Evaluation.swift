import MimicData
import MimicSpec

extension Trainer {
    /// Accuracy of the current weights on a split, the logits averaged over the views of `tta`
    /// (validation uses the image alone; the test split the spec's `train.tta`).
    func evaluate(_ set: ImageSet, tta: TestTimeAugmentation = .none) -> Double {
        _ = evaluator.parameters.update(from: trainer.parameters)
        _ = evaluator.state.update(from: trainer.state)
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: data.classes,
                              normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                              augmentation: nil, statisticsFrom: data.splits.train)
        let classes = data.classes
        var correct = 0
        ViewedInference.run(evaluator, batcher: batcher, count: set.count, classes: classes, tta: tta) { start, count, logits in
            for row in 0..<count {
                var best = 0
                for k in 1..<classes where logits[row * classes + k] > logits[row * classes + best] { best = k }
                if best == Int(set.labels[start + row]) { correct += 1 }
            }
        }
        return Double(correct) / Double(max(1, set.count))
    }
}

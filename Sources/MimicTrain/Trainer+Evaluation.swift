import MimicData

extension Trainer {
    /// Accuracy of the current weights on a split, in batches of the evaluation plan (the last
    /// batch padded with copies, which are not counted).
    func evaluate(_ set: ImageSet) -> Double {
        _ = evaluator.parameters.update(from: trainer.parameters)
        _ = evaluator.state.update(from: trainer.state)
        let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: data.classes,
                              normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                              augmentation: nil, statisticsFrom: data.splits.train)
        let batch = evaluator.plan.batch
        let input = evaluator.pointer(feeds(evaluator.plan.graph).input)!
        let logits = evaluator.pointer(evaluator.plan.graph.outputs[0])!
        var correct = 0
        var start = 0
        while start < set.count {
            let count = min(batch, set.count - start)
            let indices = (0..<batch).map { start + min($0, count - 1) }
            batcher.fill(indices[...], seed: 0, input: input, teacher: nil, labels: nil)
            evaluator.run()
            for row in 0..<count {
                var best = 0
                for k in 1..<data.classes where logits[row * data.classes + k] > logits[row * data.classes + best] { best = k }
                if best == Int(set.labels[start + row]) { correct += 1 }
            }
            start += count
        }
        return Double(correct) / Double(max(1, set.count))
    }
}

import MimicData
import MimicRuntime
import MimicSpec

/// Runs an inference executor over every image of a set in batches of its plan (the last
/// batch padded with copies of its last image) and hands over each batch's logits, averaged
/// over the views of test-time augmentation. Evaluation and `mimicc logits` both use it, so
/// an exported teacher's logits are what its test accuracy measured.
public enum ViewedInference {
    /// `body(start, count, logits)`: rows start..<start + count, `classes` logits each.
    /// `alone`, if given, gets the logits of the image alone (the identity view) in the same
    /// pass, so the accuracy without views costs no second pass over the set.
    public static func run(_ executor: Executor, batcher: Batcher, count total: Int, classes: Int, tta: TestTimeAugmentation,
                           alone: ((Int, Int, UnsafePointer<Float>) -> Void)? = nil,
                           _ body: (Int, Int, UnsafePointer<Float>) -> Void) {
        let batch = executor.plan.batch
        let graph = executor.plan.graph
        let input = executor.pointer(graph.values.first { $0.role == .input }!.id)!
        let output = executor.pointer(graph.outputs[0])!
        let views = TestTimeView.views(tta)
        let set = batcher.set
        var images = [Float](repeating: 0, count: views.count > 1 ? batch * set.imageSize : 0)
        var mean = [Float](repeating: 0, count: batch * classes)
        var start = 0
        while start < total {
            let count = min(batch, total - start)
            let indices = (0..<batch).map { start + min($0, count - 1) }[...]
            if views.count == 1 {
                batcher.fill(indices, seed: 0, input: input, teacher: nil, labels: nil)
                executor.run()
                alone?(start, count, output)
                body(start, count, output)
            } else {
                images.withUnsafeMutableBufferPointer { batcher.fill(indices, seed: 0, input: $0.baseAddress!, teacher: nil, labels: nil) }
                for i in 0..<mean.count { mean[i] = 0 }
                for view in views {
                    view.apply(images, count: batch, channels: set.channels, height: set.height, width: set.width, into: input)
                    executor.run()
                    if view.isIdentity { alone?(start, count, output) }
                    for i in 0..<mean.count { mean[i] += view.weight * output[i] }
                }
                body(start, count, mean)
            }
            start += count
        }
    }
}

import MimicData
import MimicRuntime

extension Trainer {
    /// Sets the weights a layer asks to whiten (`init: whitening`) from the first images of
    /// the training split, normalised as the network sees them and not augmented. Only a
    /// layer that reads the images themselves can be whitened by their patches.
    func whiten() throws {
        let g = trainer.plan.graph
        let input = feeds(g).input
        let set = data.splits.train
        for value in g.values where value.role == .parameter || value.role == .state {
            guard case .whitening(let epsilon, let images) = value.initialization, let weights = trainer.pointer(value.id) else { continue }
            guard g.ops.contains(where: { $0.inputs.count > 1 && $0.inputs[0] == input && $0.inputs[1] == value.id }) else {
                throw TrainingError(
                    message: "'\(value.name)' is initialised by whitening, but its layer does not read the input images; "
                        + "whitening is for the first convolution", exitCode: 1)
            }
            let count = min(images, set.count)
            let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: data.classes,
                                  normalize: spec.data?.normalize ?? .perImage, inputScale: spec.data?.inputScale ?? 1,
                                  augmentation: nil, statisticsFrom: set)
            var pixels = [Float](repeating: 0, count: count * set.imageSize)
            pixels.withUnsafeMutableBufferPointer {
                batcher.fill((0..<count).map { $0 }[...], seed: 0, input: $0.baseAddress!, teacher: nil, labels: nil)
            }
            let filters = Whitening.filters(images: pixels, count: count, channels: value.shape[1], height: set.height,
                                            width: set.width, kernel: value.shape[2], epsilon: epsilon)
            weights.update(from: filters, count: min(filters.count, value.elementCount))
            log("\(value.name): whitening filters from \(count) training images")
        }
    }
}

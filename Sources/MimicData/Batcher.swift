import Dispatch
import MimicBasics
import MimicSpec

/// Turns images into training batches: augmentation (when asked), normalisation, input
/// scale, and the matching teacher logits (the mirrored image's logits when the image was
/// flipped and those are given) and labels. Each image's randomness comes from its own seed
/// (the epoch's seed and the image's index), so batches do not depend on threads or timing.
public final class Batcher: @unchecked Sendable {
    public let set: ImageSet
    /// Teacher logits for the set's images, in order ([count, classes]), and those of the
    /// mirrored images.
    public let teacher: [Float]?
    public let teacherFlipped: [Float]?
    public let classes: Int
    let normalize: Normalization
    let inputScale: Float
    let augmentation: MimicSpec.Augmentation?
    let channelMean: [Float]
    let channelStd: [Float]

    public init(set: ImageSet, teacher: [Float]?, teacherFlipped: [Float]?, classes: Int, normalize: Normalization,
                inputScale: Double, augmentation: MimicSpec.Augmentation?, statisticsFrom reference: ImageSet) {
        self.set = set
        self.teacher = teacher
        self.teacherFlipped = teacherFlipped
        self.classes = classes
        self.normalize = normalize
        self.inputScale = Float(inputScale)
        self.augmentation = augmentation
        // Only per-channel normalisation needs the statistics (a pass over every image).
        (channelMean, channelStd) = normalize == .perChannel ? Batcher.channelStatistics(reference) : ([], [])
    }

    /// Per-channel mean and standard deviation of a set, on the network's [0, 1] scale.
    public static func channelStatistics(_ set: ImageSet) -> (mean: [Float], std: [Float]) {
        let plane = set.height * set.width
        var sum = [Double](repeating: 0, count: set.channels), squares = sum
        var image = [Float](repeating: 0, count: set.imageSize)
        for n in 0..<set.count {
            image.withUnsafeMutableBufferPointer { set.image(n, into: $0.baseAddress!) }
            for c in 0..<set.channels {
                for i in (c * plane)..<((c + 1) * plane) {
                    let v = Double(image[i])
                    sum[c] += v
                    squares[c] += v * v
                }
            }
        }
        let count = Double(max(1, set.count * plane))
        let mean = sum.map { $0 / count }
        let std = zip(squares, mean).map { max(1e-6, ($0 / count - $1 * $1).squareRoot()) }
        return (mean.map(Float.init), std.map(Float.init))
    }

    /// Normalises one image in [0, 1] (C planes of `plane` values) and scales it.
    public static func normalize(
        _ image: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, size: Int, plane: Int,
        _ normalize: Normalization, inputScale: Float, channelMean: [Float], channelStd: [Float]
    ) {
        switch normalize {
        case .perImage:
            var mean: Float = 0
            for i in 0..<size { mean += image[i] }
            mean /= Float(size)
            var variance: Float = 0
            for i in 0..<size { variance += (image[i] - mean) * (image[i] - mean) }
            let scale = inputScale / max(1e-6, (variance / Float(size)).squareRoot())
            for i in 0..<size { destination[i] = (image[i] - mean) * scale }
        case .perChannel:
            for c in 0..<(size / plane) {
                let scale = inputScale / channelStd[c]
                for i in (c * plane)..<((c + 1) * plane) { destination[i] = (image[i] - channelMean[c]) * scale }
            }
        case .none:
            for i in 0..<size { destination[i] = image[i] * inputScale }
        }
    }

    /// Per-channel statistics of the reference set, when per-channel normalisation uses them.
    public var statistics: (mean: [Float], std: [Float]) { (channelMean, channelStd) }

    /// Fills one batch with the images `indices`. `input` is [B, C*H*W]; `teacher` [B, K];
    /// `labels` [B] as floats. `seed` varies per epoch.
    public func fill(_ indices: ArraySlice<Int>, seed: UInt64, input: UnsafeMutablePointer<Float>,
                     teacher out: UnsafeMutablePointer<Float>?, labels: UnsafeMutablePointer<Float>?,
                     raw: UnsafeMutablePointer<Float>? = nil) {
        let size = set.imageSize, plane = set.height * set.width
        var image = [Float](repeating: 0, count: size)
        for (row, index) in indices.enumerated() {
            image.withUnsafeMutableBufferPointer { set.image(index, into: $0.baseAddress!) }
            var flipped = false
            if let augmentation {
                var generator = SeededGenerator(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
                flipped = Augmentation.apply(augmentation, to: &image, channels: set.channels, height: set.height,
                                                 width: set.width, generator: &generator)
            }
            raw.map { r in image.withUnsafeBufferPointer { (r + row * size).update(from: $0.baseAddress!, count: size) } }
            image.withUnsafeBufferPointer {
                Batcher.normalize($0.baseAddress!, into: input + row * size, size: size, plane: plane, normalize,
                                  inputScale: inputScale, channelMean: channelMean, channelStd: channelStd)
            }
            if let out, let teacher {
                let source = (flipped ? teacherFlipped ?? teacher : teacher)
                for k in 0..<classes { out[row * classes + k] = source[index * classes + k] }
            }
            labels?[row] = Float(set.labels[index])
        }
    }
}

/// Prepares the next batch on a background thread while the engine runs the current one.
public final class Prefetcher: @unchecked Sendable {
    let queue = DispatchQueue(label: "mimicc.batches")
    let group = DispatchGroup()

    public init() {}

    /// Starts `work` in the background; `wait()` blocks until it is done.
    public func start(_ work: @escaping @Sendable () -> Void) {
        queue.async(group: group, execute: work)
    }

    public func wait() { group.wait() }
}

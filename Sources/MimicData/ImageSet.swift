import MimicBasics

/// MimicData feeds training: data sets (CIFAR-10 and CIFAR-100 in their official binary
/// layouts, images and labels in .npy files, and a built-in synthetic set), teacher logits
/// from .npy files, normalisation and augmentation.

/// Images in CHW order, with their labels. Bytes (0-255) are read as value / 255, so byte and
/// float images meet the network on the same [0, 1] scale; float images are read as stored.
public struct ImageSet: Sendable {
    public enum Pixels: Sendable, Equatable {
        case bytes([UInt8])
        case floats([Float])

        var count: Int {
            switch self {
            case .bytes(let values): values.count
            case .floats(let values): values.count
            }
        }
    }

    public var channels: Int
    public var height: Int
    public var width: Int
    public var storage: Pixels
    public var labels: [UInt8]

    public init(channels: Int, height: Int, width: Int, storage: Pixels, labels: [UInt8]) {
        precondition(storage.count == labels.count * channels * height * width, "internal error: image set size")
        self.channels = channels
        self.height = height
        self.width = width
        self.storage = storage
        self.labels = labels
    }

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) {
        self.init(channels: channels, height: height, width: width, storage: .bytes(pixels), labels: labels)
    }

    public var count: Int { labels.count }
    public var imageSize: Int { channels * height * width }

    /// The bytes of a byte set (built-in and CIFAR sets; tests read them directly).
    public var pixels: [UInt8] {
        guard case .bytes(let values) = storage else { preconditionFailure("internal error: a float image set has no bytes") }
        return values
    }

    /// Image `n` as `imageSize` floats on the [0, 1] scale.
    public func image(_ n: Int, into out: UnsafeMutablePointer<Float>) {
        let start = n * imageSize
        switch storage {
        case .bytes(let values):
            for i in 0..<imageSize { out[i] = Float(values[start + i]) * (1 / 255) }
        case .floats(let values):
            values.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + start, count: imageSize) }
        }
    }

    /// Images `range` as a new set.
    public func slice(_ range: Range<Int>) -> ImageSet {
        let values = (range.lowerBound * imageSize)..<(range.upperBound * imageSize)
        let part: Pixels = switch storage {
        case .bytes(let all): .bytes(Array(all[values]))
        case .floats(let all): .floats(Array(all[values]))
        }
        return ImageSet(channels: channels, height: height, width: width, storage: part, labels: Array(labels[range]))
    }

    /// This set's images followed by `other`'s (same shape and storage).
    public func appending(_ other: ImageSet) -> ImageSet {
        precondition(other.imageSize == imageSize, "internal error: appending images of another shape")
        let joined: Pixels = switch (storage, other.storage) {
        case (.bytes(let a), .bytes(let b)): .bytes(a + b)
        case (.floats(let a), .floats(let b)): .floats(a + b)
        default: preconditionFailure("internal error: appending float and byte images")
        }
        return ImageSet(channels: channels, height: height, width: width, storage: joined, labels: labels + other.labels)
    }

    /// Every image mirrored left to right (exact for bytes and floats alike).
    public func mirrored() -> ImageSet {
        func mirror<T>(_ values: [T]) -> [T] {
            var out = values
            for row in 0..<(values.count / max(1, width)) {
                let start = row * width
                for x in 0..<width { out[start + x] = values[start + width - 1 - x] }
            }
            return out
        }
        let flipped: Pixels = switch storage {
        case .bytes(let values): .bytes(mirror(values))
        case .floats(let values): .floats(mirror(values))
        }
        return ImageSet(channels: channels, height: height, width: width, storage: flipped, labels: labels)
    }
}

/// The three splits a run uses: training, validation (for the schedule and model selection)
/// and test (touched once, at the end).
public struct Splits: Sendable {
    public var train: ImageSet
    public var validation: ImageSet
    public var test: ImageSet
    /// Where the training and validation images start in the original training set, so
    /// teacher logits (in record order) can be sliced the same way.
    public var trainOffset: Int
    public var validationOffset: Int
}

/// A data problem that stops a run before it starts (missing or corrupt data or logit
/// files), with a hint that says what to do.
public typealias DataError = HintedError

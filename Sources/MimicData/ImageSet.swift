import MimicBasics

/// MimicData feeds training: data sets (CIFAR-10 in its official binary layout and a
/// built-in synthetic set), teacher logits from .npy files, normalisation and augmentation.

/// Images as bytes in CHW order, with their labels. CIFAR-10 is 3x32x32 and 10 classes.
public struct ImageSet: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [UInt8]
    public var labels: [UInt8]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == labels.count * channels * height * width, "internal error: image set size")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var imageSize: Int { channels * height * width }

    /// Images `range` as a new set.
    public func slice(_ range: Range<Int>) -> ImageSet {
        ImageSet(channels: channels, height: height, width: width,
                 pixels: Array(pixels[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)]),
                 labels: Array(labels[range]))
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

import MimicBasics

public enum Dataset: String, Sendable, CaseIterable {
    case cifar10
    case cifar100
    /// Images and labels in .npy files (`DataConfig.files`).
    case npy
    case synthetic
}

/// How hard the built-in synthetic set is. `easy`: one strong motif on a quiet background, which
/// a small CNN learns perfectly. `hard`: a faint motif on a noisy background beside a
/// distractor pattern, so neither network reaches 100% and the gap between them shows.
public enum SyntheticDifficulty: String, Sendable, CaseIterable {
    case easy
    case hard
}

/// Which of CIFAR-100's two labels a run learns: 100 fine classes or 20 coarse superclasses.
public enum LabelKind: String, Sendable, CaseIterable {
    case fine
    case coarse

    public var classes: Int { self == .fine ? 100 : 20 }
}

/// The axis order of 4-D image arrays: [N, H, W, C] (numpy's usual) or [N, C, H, W].
public enum ImageLayout: String, Sendable, CaseIterable {
    case nhwc
    case nchw
}

/// One split's .npy files: images [N, H, W, C], [N, C, H, W] or [N, H, W] (one channel), and
/// one integer label per image.
public struct ImageFiles: Sendable, Equatable {
    public var images: Located<String>
    public var labels: Located<String>

    public init(images: Located<String>, labels: Located<String>) {
        self.images = images
        self.labels = labels
    }
}

/// A data set of .npy files. Without a validation file, `data.validation` training images
/// after the first `data.train` validate, as with CIFAR.
public struct NpyFiles: Sendable, Equatable {
    public var train: ImageFiles
    public var validation: ImageFiles?
    public var test: ImageFiles
    public var layout: ImageLayout

    public init(train: ImageFiles, validation: ImageFiles?, test: ImageFiles, layout: ImageLayout) {
        self.train = train
        self.validation = validation
        self.test = test
        self.layout = layout
    }
}

public enum Normalization: String, Sendable, CaseIterable {
    case perImage = "per-image"
    case perChannel = "per-channel"
    case none
}

/// The HSV shifts of Snoek et al. (2015) as the paper uses them: hue, saturation and value
/// shifted by U(-D, D); saturation and value scaled by U(1/(1+A), 1+A).
public struct HSVShift: Sendable, Equatable {
    public var dh: Double
    public var ds: Double
    public var dv: Double
    public var `as`: Double
    public var av: Double

    public init(dh: Double, ds: Double, dv: Double, as: Double, av: Double) {
        self.dh = dh
        self.ds = ds
        self.dv = dv
        self.as = `as`
        self.av = av
    }
}

public struct Augmentation: Sendable, Equatable {
    public var flip: Bool = false
    /// Crop side S drawn uniformly from min...max, rescaled to the input size.
    public var cropRescale: ClosedRange<Int>?
    public var hsv: HSVShift?
    /// Shift by up to this many pixels each way, the borders filled by reflection (0: none).
    public var translate: Int = 0
    public var location: SourceLocation = .nowhere

    /// What does not fit images of [channels, height, width] (checked again once npy files
    /// have supplied the shape).
    public func problems(input: [Int]) -> [String] {
        var problems: [String] = []
        if hsv != nil, input[0] != 3 { problems.append("'hsv' shifts colours, but the images have \(input[0]) channel\(input[0] == 1 ? "" : "s")") }
        if translate > min(input[1], input[2]) - 1 {
            problems.append("'translate' must be at most \(min(input[1], input[2]) - 1) for \(input[1])x\(input[2]) images, found \(translate)")
        }
        if let crop = cropRescale, crop.upperBound > input[1] {
            problems.append("'crop-rescale' max must be at most the image height \(input[1]), found \(crop.upperBound)")
        }
        return problems
    }

    public init(flip: Bool = false, cropRescale: ClosedRange<Int>? = nil, hsv: HSVShift? = nil, translate: Int = 0) {
        self.flip = flip
        self.cropRescale = cropRescale
        self.hsv = hsv
        self.translate = translate
    }
}

public struct DataConfig: Sendable, Equatable {
    public var dataset: Dataset
    /// Directory holding the data set; nil means `$MIMICC_DATA`, then `~/.cache/mimicc`.
    public var path: String?
    public var train: Int
    public var validation: Int
    public var normalize: Normalization
    public var inputScale: Double
    public var augment: Augmentation
    /// Seed of the built-in synthetic data set.
    public var seed: Int
    /// CIFAR-100's fine or coarse labels.
    public var labels: LabelKind = .fine
    /// The synthetic set's difficulty.
    public var difficulty: SyntheticDifficulty = .easy
    /// The files of `dataset: npy`.
    public var files: NpyFiles?
    /// Counts the spec leaves to the files (npy): the whole training (or validation) file.
    /// `Frontend` reads them from the files' headers before anything else uses the counts.
    public var trainFromFiles = false
    public var validationFromFiles = false
    public var location: SourceLocation

    public init(dataset: Dataset, path: String?, train: Int, validation: Int, normalize: Normalization, inputScale: Double,
                augment: Augmentation, seed: Int, location: SourceLocation) {
        self.dataset = dataset
        self.path = path
        self.train = train
        self.validation = validation
        self.normalize = normalize
        self.inputScale = inputScale
        self.augment = augment
        self.seed = seed
        self.location = location
    }
}

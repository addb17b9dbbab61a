import MimicBasics

public enum Dataset: String, Sendable, CaseIterable {
    case cifar10
    case synthetic
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
    public var location: SourceLocation
}

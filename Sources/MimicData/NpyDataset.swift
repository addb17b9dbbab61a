import Foundation
import MimicSpec

/// `dataset: npy`: a training, an optional validation and a test split, each an image file
/// ([N, H, W, C] or [N, C, H, W] by `data.layout`, or [N, H, W] for one channel; uint8 or
/// float32) and a label file (one integer per image).
public enum NpyDataset {
    /// The [channels, height, width] of a file's images, and how many it holds.
    public static func imageShape(_ header: NumpyArray.Header, layout: ImageLayout, path: String) throws -> (count: Int, chw: [Int]) {
        let s = header.shape
        guard !s.dropFirst().contains(0) else {
            throw DataError("'\(path)' has shape \(header.shapeText); an image needs at least one pixel and one channel")
        }
        switch s.count {
        case 3: return (s[0], [1, s[1], s[2]])
        case 4: return layout == .nhwc ? (s[0], [s[3], s[1], s[2]]) : (s[0], [s[1], s[2], s[3]])
        default:
            throw DataError("'\(path)' has shape \(header.shapeText); images are [N, H, W, C], [N, C, H, W] or [N, H, W]")
        }
    }

    /// The training and validation counts a run uses, from the spec and the files' sizes.
    public static func counts(_ config: DataConfig, trainRecords: Int, validationRecords: Int?) throws -> (train: Int, validation: Int) {
        guard let files = config.files else { throw DataError("internal error: 'dataset: npy' without files") }
        if let validationRecords {
            let train = config.trainFromFiles ? trainRecords : config.train
            let validation = config.validationFromFiles ? validationRecords : config.validation
            guard train >= 1, train <= trainRecords else {
                throw DataError("data.train = \(train) does not fit the \(trainRecords) images of '\(files.train.images.value)'",
                                hint: "a run trains on at least one image")
            }
            guard validation <= validationRecords else {
                throw DataError("data.validation = \(validation) exceeds the \(validationRecords) images of the validation file")
            }
            return (train, validation)
        }
        let train = config.trainFromFiles ? trainRecords - config.validation : config.train
        guard train >= 1, train + config.validation <= trainRecords else {
            throw DataError("data.train + data.validation = \(max(train, 1) + config.validation) exceeds the \(trainRecords) images of '\(files.train.images.value)'",
                            hint: "lower data.validation or data.train, or add a validation file under data.files")
        }
        return (train, config.validation)
    }

    /// Reads one split's images (into CHW order) and labels, checking they agree.
    public static func read(_ files: ImageFiles, layout: ImageLayout) throws -> ImageSet {
        let path = files.images.value
        let (header, pixels) = try NumpyArray.readImages(path)
        let (count, chw) = try imageShape(header, layout: layout, path: path)
        let labels = try NumpyArray.readLabels(files.labels.value)
        guard labels.count == count else {
            throw DataError("\(files.labels.location): '\(files.labels.value)' holds \(labels.count) labels for the \(count) images of '\(path)'")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 > 255 }) {
            throw DataError("\(files.labels.location): '\(files.labels.value)' has label \(labels[bad]) at row \(bad); labels are 0-255 (at most 256 classes)")
        }
        let stored = layout == .nhwc && header.shape.count == 4 ? toCHW(pixels, count: count, chw: chw) : pixels
        return ImageSet(channels: chw[0], height: chw[1], width: chw[2], storage: stored, labels: labels.map { UInt8($0) })
    }

    /// [N, H, W, C] to [N, C, H, W].
    static func toCHW(_ pixels: ImageSet.Pixels, count: Int, chw: [Int]) -> ImageSet.Pixels {
        let (c, plane) = (chw[0], chw[1] * chw[2])
        func permute<T>(_ values: [T]) -> [T] {
            var out = values
            for n in 0..<count {
                let base = n * c * plane
                for p in 0..<plane {
                    for k in 0..<c { out[base + k * plane + p] = values[base + p * c + k] }
                }
            }
            return out
        }
        switch pixels {
        case .bytes(let values): return .bytes(permute(values))
        case .floats(let values): return .floats(permute(values))
        }
    }

    static func sameShape(_ a: ImageSet, _ b: ImageSet, _ what: String, _ files: ImageFiles) throws {
        guard [a.channels, a.height, a.width] == [b.channels, b.height, b.width] else {
            throw DataError("\(files.images.location): the \(what) images are \(b.channels)x\(b.height)x\(b.width); the training images are \(a.channels)x\(a.height)x\(a.width)")
        }
    }

    public static func splits(_ config: DataConfig) throws -> (splits: Splits, trainingRecords: Int) {
        guard let files = config.files else { throw DataError("internal error: 'dataset: npy' without files") }
        let all = try read(files.train, layout: files.layout)
        let test = try read(files.test, layout: files.layout)
        try sameShape(all, test, "test", files.test)
        guard test.count > 0 else { throw DataError("'\(files.test.images.value)' holds no images; a run is scored on its test split") }
        if let validationFiles = files.validation {
            let validation = try read(validationFiles, layout: files.layout)
            try sameShape(all, validation, "validation", validationFiles)
            let counts = try counts(config, trainRecords: all.count, validationRecords: validation.count)
            return (Splits(train: all.slice(0..<counts.train), validation: validation.slice(0..<counts.validation), test: test,
                           trainOffset: 0, validationOffset: 0), all.count)
        }
        let counts = try counts(config, trainRecords: all.count, validationRecords: nil)
        return (Splits(train: all.slice(0..<counts.train), validation: all.slice(counts.train..<(counts.train + counts.validation)),
                       test: test, trainOffset: 0, validationOffset: counts.train), all.count)
    }
}

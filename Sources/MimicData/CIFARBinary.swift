import Foundation
import MimicSpec

/// CIFAR-10 and CIFAR-100 in their official binary layouts: records of label bytes followed by
/// 3072 pixel bytes (R, G, B planes of 32x32). CIFAR-10: `cifar-10-batches-bin/data_batch_1..5.bin`
/// and `test_batch.bin`, one label byte. CIFAR-100: `cifar-100-binary/train.bin` and `test.bin`,
/// a coarse then a fine label byte.
public struct CIFARBinary: Sendable {
    public var name: String
    public var directoryName: String
    public var trainFiles: [String]
    public var testFile: String
    /// Label bytes before each record's pixels, and which of them the run learns.
    public var labelBytes: Int
    public var labelIndex: Int
    public var classes: Int
    /// The official archive, for hints.
    public var archive: String
    public static let trainingImages = 50_000
    public static let testImages = 10_000
    public static let imageBytes = 3072

    public static let cifar10 = CIFARBinary(
        name: "CIFAR-10", directoryName: "cifar-10-batches-bin", trainFiles: (1...5).map { "data_batch_\($0).bin" },
        testFile: "test_batch.bin", labelBytes: 1, labelIndex: 0, classes: 10, archive: "cifar-10-binary.tar.gz")

    public static func cifar100(_ labels: LabelKind) -> CIFARBinary {
        CIFARBinary(name: "CIFAR-100", directoryName: "cifar-100-binary", trainFiles: ["train.bin"], testFile: "test.bin",
                    labelBytes: 2, labelIndex: labels == .coarse ? 0 : 1, classes: labels.classes, archive: "cifar-100-binary.tar.gz")
    }

    /// The layout of a CIFAR data set, nil for the others.
    public static func of(_ config: DataConfig) -> CIFARBinary? {
        switch config.dataset {
        case .cifar10: .cifar10
        case .cifar100: .cifar100(config.labels)
        case .npy, .synthetic: nil
        }
    }

    public var recordSize: Int { labelBytes + Self.imageBytes }
    var recordsPerTrainFile: Int { Self.trainingImages / trainFiles.count }
    var importCommand: String { "mimicc data import \(name == "CIFAR-10" ? "cifar10" : "cifar100") --from \(archive)" }

    /// Where to look: `data.path`, else `$MIMICC_DATA`, else `~/.cache/mimicc`; the batches
    /// directory itself or its parent may be given.
    public func locate(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let root = DataSource.root(path, environment: environment)
        if FileManager.default.fileExists(atPath: root + "/" + testFile) { return root }
        return root + "/" + directoryName
    }

    func readFile(_ path: String, records: Int) throws -> (pixels: [UInt8], labels: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("\(name) file '\(path)' is missing or unreadable",
                            hint: "run '\(importCommand)', or set data.path or MIMICC_DATA")
        }
        guard data.count == recordSize * records else {
            throw DataError("\(name) file '\(path)' has \(data.count) bytes, expected \(recordSize * records) (\(records) records of \(recordSize) bytes)",
                            hint: "the file is truncated or not the binary version; import it again")
        }
        var pixels = [UInt8](repeating: 0, count: records * Self.imageBytes)
        var labels = [UInt8](repeating: 0, count: records)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for r in 0..<records {
                let label = raw[r * recordSize + labelIndex]
                guard Int(label) < classes else {
                    throw DataError("\(name) file '\(path)' record \(r) has label \(label), expected 0-\(classes - 1)",
                                    hint: "the file is corrupt; import it again")
                }
                labels[r] = label
                pixels.withUnsafeMutableBytes { out in
                    out.baseAddress!.advanced(by: r * Self.imageBytes)
                        .copyMemory(from: raw.baseAddress!.advanced(by: r * recordSize + labelBytes), byteCount: Self.imageBytes)
                }
            }
        }
        return (pixels, labels)
    }

    /// All 50000 training images in record order (the order of teacher logit files), and the
    /// 10000 test images.
    public func loadAll(directory: String) throws -> (train: ImageSet, test: ImageSet) {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        pixels.reserveCapacity(Self.trainingImages * Self.imageBytes)
        for file in trainFiles {
            let part = try readFile(directory + "/" + file, records: recordsPerTrainFile)
            pixels += part.pixels
            labels += part.labels
        }
        let test = try readFile(directory + "/" + testFile, records: Self.testImages)
        return (ImageSet(channels: 3, height: 32, width: 32, pixels: pixels, labels: labels),
                ImageSet(channels: 3, height: 32, width: 32, pixels: test.pixels, labels: test.labels))
    }

    /// Reads the training and test files, and splits the 50000 training images: the first
    /// `train` train, the next `validation` validate.
    public func load(directory: String, train: Int, validation: Int) throws -> Splits {
        let all = try loadAll(directory: directory)
        guard train + validation <= all.train.count else {
            throw DataError("data.train + data.validation = \(train + validation) exceeds \(name)'s \(all.train.count) training images")
        }
        return Splits(train: all.train.slice(0..<train), validation: all.train.slice(train..<(train + validation)),
                      test: all.test, trainOffset: 0, validationOffset: train)
    }
}

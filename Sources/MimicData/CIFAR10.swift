import Foundation

/// CIFAR-10 in the official binary layout: `cifar-10-batches-bin/data_batch_1..5.bin` and
/// `test_batch.bin`, each 10000 records of 1 label byte and 3072 pixel bytes (R, G, B planes
/// of 32x32).
public enum CIFAR10 {
    public static let recordSize = 3073
    public static let recordsPerFile = 10_000
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"
    public static let directoryName = "cifar-10-batches-bin"

    /// Where to look: `data.path`, else `$MIMICC_DATA`, else `~/.cache/mimicc`; the batches
    /// directory itself or its parent may be given.
    public static func locate(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let root = DataSource.root(path, environment: environment)
        if FileManager.default.fileExists(atPath: root + "/" + testFile) { return root }
        return root + "/" + directoryName
    }

    static func readFile(_ path: String) throws -> (pixels: [UInt8], labels: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("CIFAR-10 file '\(path)' is missing or unreadable",
                            hint: "run 'mimicc data import cifar10 --from cifar-10-binary.tar.gz', or set data.path or MIMICC_DATA")
        }
        guard data.count == recordSize * recordsPerFile else {
            throw DataError("CIFAR-10 file '\(path)' has \(data.count) bytes, expected \(recordSize * recordsPerFile) (10000 records of 3073 bytes)",
                            hint: "the file is truncated or not the binary version; import it again")
        }
        var pixels = [UInt8](repeating: 0, count: recordsPerFile * 3072)
        var labels = [UInt8](repeating: 0, count: recordsPerFile)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for r in 0..<recordsPerFile {
                let label = raw[r * recordSize]
                guard label < 10 else {
                    throw DataError("CIFAR-10 file '\(path)' record \(r) has label \(label), expected 0-9", hint: "the file is corrupt; import it again")
                }
                labels[r] = label
                pixels.withUnsafeMutableBytes { out in
                    out.baseAddress!.advanced(by: r * 3072).copyMemory(from: raw.baseAddress!.advanced(by: r * recordSize + 1), byteCount: 3072)
                }
            }
        }
        return (pixels, labels)
    }

    /// All 50000 training images in record order (the order of teacher logit files), and the
    /// 10000 test images.
    public static func loadAll(directory: String) throws -> (train: ImageSet, test: ImageSet) {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for file in trainFiles {
            let part = try readFile(directory + "/" + file)
            pixels += part.pixels
            labels += part.labels
        }
        let test = try readFile(directory + "/" + testFile)
        return (ImageSet(channels: 3, height: 32, width: 32, pixels: pixels, labels: labels),
                ImageSet(channels: 3, height: 32, width: 32, pixels: test.pixels, labels: test.labels))
    }

    /// Reads the five training files and the test file, and splits the 50000 training images:
    /// the first `train` train, the next `validation` validate.
    public static func load(directory: String, train: Int, validation: Int) throws -> Splits {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        pixels.reserveCapacity(50_000 * 3072)
        for file in trainFiles {
            let part = try readFile(directory + "/" + file)
            pixels += part.pixels
            labels += part.labels
        }
        let all = ImageSet(channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
        guard train + validation <= all.count else {
            throw DataError("data.train + data.validation = \(train + validation) exceeds CIFAR-10's \(all.count) training images")
        }
        let test = try readFile(directory + "/" + testFile)
        return Splits(train: all.slice(0..<train), validation: all.slice(train..<(train + validation)),
                      test: ImageSet(channels: 3, height: 32, width: 32, pixels: test.pixels, labels: test.labels),
                      trainOffset: 0, validationOffset: train)
    }
}

import Foundation
import MimicBasics
import MimicData
import MimicSpec
import XCTest

/// The data floor: .npy headers, CIFAR-10 records, augmentation, batches and MD5.
final class DataTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-data-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Every header variant numpy writes, and the mistakes a user makes.

    func testNumpyHeaders() throws {
        func file(version: UInt8, descr: String = "'<f4'", fortran: String = "False", shape: String = "(2, 3)",
                  values: Int = 6, dropBytes: Int = 0) -> [UInt8] {
            var header = "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }"
            let prefix = version == 1 ? 10 : 12
            while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
            let n = header.utf8.count
            bytes += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
            bytes += Array(header.utf8)
            let floats = (0..<values).map { Float($0) + 0.5 }
            floats.withUnsafeBytes { bytes += $0 }
            return Array(bytes.dropLast(dropBytes))
        }
        for version: UInt8 in [1, 2, 3] {
            let m = try NumpyArray.parseMatrix(file(version: version), path: "v\(version).npy")
            XCTAssertEqual(m.rows, 2)
            XCTAssertEqual(m.columns, 3)
            XCTAssertEqual(m.values, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        }
        let bad: [([UInt8], String)] = [
            (file(version: 1, descr: "'<f8'"), "holds '<f8' values"),
            (file(version: 1, fortran: "True"), "Fortran order"),
            (file(version: 1, shape: "(6,)"), "are a matrix"),
            (file(version: 1, dropBytes: 4), "truncated or was written incompletely"),
            (Array("hello".utf8), "is not a .npy file"),
            (file(version: 9), "format version 9"),
        ]
        for (bytes, message) in bad {
            XCTAssertThrowsError(try NumpyArray.parseMatrix(bytes, path: "x.npy")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        let path = directory + "/round.npy"
        try NumpyArray.write(NumpyArray.Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6]), to: path)
        XCTAssertEqual(try NumpyArray.readMatrix(path).values, [1, 2, 3, 4, 5, 6])
    }

    func testCIFARRecordsAreReadAndBadFilesRejected() throws {
        var bytes = [UInt8](repeating: 0, count: CIFARBinary.cifar10.recordSize * 10_000)
        for r in 0..<10_000 {
            bytes[r * CIFARBinary.cifar10.recordSize] = UInt8(r % 10)
            bytes[r * CIFARBinary.cifar10.recordSize + 1] = UInt8(r % 251)  // first red pixel
            bytes[r * CIFARBinary.cifar10.recordSize + 3072] = 7  // last blue pixel
        }
        for file in CIFARBinary.cifar10.trainFiles + [CIFARBinary.cifar10.testFile] {
            FileManager.default.createFile(atPath: directory + "/" + file, contents: Data(bytes))
        }
        let splits = try CIFARBinary.cifar10.load(directory: directory, train: 40_000, validation: 10_000)
        XCTAssertEqual(splits.train.count, 40_000)
        XCTAssertEqual(splits.validation.count, 10_000)
        XCTAssertEqual(splits.test.count, 10_000)
        XCTAssertEqual(splits.validation.labels[3], UInt8((40_003 % 10_000) % 10))
        XCTAssertEqual(splits.train.pixels[5 * 3072], 5)
        XCTAssertEqual(splits.train.pixels[5 * 3072 + 3071], 7)
        // Truncated, then a label out of range.
        FileManager.default.createFile(atPath: directory + "/" + CIFARBinary.cifar10.testFile, contents: Data(bytes.dropLast(10)))
        XCTAssertThrowsError(try CIFARBinary.cifar10.load(directory: directory, train: 40_000, validation: 10_000)) { error in
            XCTAssertTrue("\(error)".contains("expected 30730000"), "\(error)")
        }
        bytes[0] = 12
        FileManager.default.createFile(atPath: directory + "/" + CIFARBinary.cifar10.testFile, contents: Data(bytes))
        XCTAssertThrowsError(try CIFARBinary.cifar10.load(directory: directory, train: 40_000, validation: 10_000)) { error in
            XCTAssertTrue("\(error)".contains("record 0 has label 12"), "\(error)")
        }
        XCTAssertThrowsError(try CIFARBinary.cifar10.load(directory: directory + "/nowhere", train: 1, validation: 1)) { error in
            XCTAssertTrue("\(error)".contains("mimicc data import"), "\(error)")
        }
    }

    func testFlipAndCropMoveKnownPixels() {
        var image = (0..<(3 * 4 * 4)).map { Float($0) }
        Augmentation.flip(&image, channels: 3, width: 4)
        XCTAssertEqual(Array(image[0..<4]), [3, 2, 1, 0])
        XCTAssertEqual(Array(image[44..<48]), [47, 46, 45, 44])
        // A full-size crop is the identity; a crop of the top-left quarter doubles it.
        let ramp = (0..<(8 * 8)).map { Float($0 % 8) / 8 }
        XCTAssertEqual(Augmentation.cropRescale(ramp, channels: 1, height: 8, width: 8, crop: (8, 8), top: 0, left: 0).map { ($0 * 1e5).rounded() },
                       ramp.map { ($0 * 1e5).rounded() })
        let constant = [Float](repeating: 0.25, count: 64)
        for v in Augmentation.cropRescale(constant, channels: 1, height: 8, width: 8, crop: (5, 5), top: 2, left: 1) {
            XCTAssertEqual(v, 0.25, accuracy: 1e-6)
        }
    }

    /// Translation with reflected borders, as PyTorch's reflect padding then a crop: known
    /// pixels land where they should, the edge is not repeated, and every shift the spec allows
    /// is drawn.
    func testTranslationMovesKnownPixelsAndReflectsTheBorder() {
        let side = 5
        let image = (0..<(2 * side * side)).map { Float($0) }  // channel 1 starts at 25
        func at(_ out: [Float], _ c: Int, _ y: Int, _ x: Int) -> Float { out[(c * side + y) * side + x] }
        let right = Augmentation.translate(image, channels: 2, height: side, width: side, dx: 2, dy: 0)
        XCTAssertEqual(at(right, 0, 0, 2), 0, "pixel (0, 0) moved two to the right")
        XCTAssertEqual(at(right, 1, 3, 4), at(image, 1, 3, 2))
        XCTAssertEqual(Array(right[0..<5]), [2, 1, 0, 1, 2], "columns -2 and -1 reflect 2 and 1, not the edge")
        let up = Augmentation.translate(image, channels: 2, height: side, width: side, dx: 0, dy: -1)
        XCTAssertEqual(at(up, 0, 0, 3), at(image, 0, 1, 3))
        XCTAssertEqual(at(up, 1, 4, 0), at(image, 1, 3, 0), "row 5 reflects row 3")
        XCTAssertEqual(Augmentation.translate(image, channels: 2, height: side, width: side, dx: 0, dy: 0), image)

        var shifts = Set<[Float]>()
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<400 {
            var copy = image
            _ = Augmentation.apply(MimicSpec.Augmentation(translate: 1), to: &copy, channels: 2, height: side, width: side, generator: &generator)
            shifts.insert(copy)
        }
        XCTAssertEqual(shifts.count, 9, "dx and dy each from -1...1")
    }

    func testSameSeedGivesTheSameBatches() {
        let splits = SyntheticData.generate(train: 20, validation: 5, test: 5, seed: 3)
        XCTAssertEqual(SyntheticData.generate(train: 20, validation: 5, test: 5, seed: 3).train.pixels, splits.train.pixels)
        XCTAssertNotEqual(SyntheticData.generate(train: 20, validation: 5, test: 5, seed: 4).train.pixels, splits.train.pixels)
        // The hard set's background is noisier: most easy pixels lie within 15 levels of the
        // mid-grey background, fewer than 60% of hard ones do.
        let hard = SyntheticData.generate(train: 20, validation: 5, test: 5, seed: 3, difficulty: .hard)
        func nearGrey(_ set: ImageSet) -> Double {
            Double(set.pixels.count { abs(Int($0) - 128) <= 15 }) / Double(set.pixels.count)
        }
        XCTAssertGreaterThan(nearGrey(splits.train), 0.9)
        XCTAssertLessThan(nearGrey(hard.train), 0.6)
        XCTAssertEqual(SyntheticData.generate(train: 20, validation: 5, test: 5, seed: 3, difficulty: .hard).train.pixels, hard.train.pixels)
        let augment = MimicSpec.Augmentation(flip: true, cropRescale: 24...32, hsv: HSVShift(dh: 0.06, ds: 0.26, dv: 0.2, as: 0.21, av: 0.13))
        let batcher = Batcher(set: splits.train, teacher: nil, teacherFlipped: nil, classes: 10, normalize: .perImage,
                              inputScale: 1, augmentation: augment, statisticsFrom: splits.train)
        func batch(_ seed: UInt64) -> [Float] {
            var input = [Float](repeating: 0, count: 4 * 3072)
            batcher.fill([3, 1, 4, 1][...], seed: seed, input: &input, teacher: nil, labels: nil)
            return input
        }
        XCTAssertEqual(batch(9), batch(9))
        XCTAssertNotEqual(batch(9), batch(10))
        // Per-image normalisation: each image has mean 0 and deviation 1.
        let first = batch(9)[0..<3072]
        XCTAssertEqual(Double(first.reduce(0, +)) / 3072, 0, accuracy: 1e-4)
    }

    func testMD5MatchesRFC1321TestVectors() {
        XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(MD5.hex(Array("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MD5.hex(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8)),
                       "57edf4a22be3c955ac49da2e2107b67a")
        // Fed in pieces that straddle blocks, through both update paths.
        let text = Array("The quick brown fox jumps over the lazy dog".utf8)
        var md5 = MD5()
        md5.update(text[0..<5])
        text[5..<30].withUnsafeBytes { md5.update($0) }
        md5.update(text[30...])
        XCTAssertEqual(md5.finalize(), "9e107d9d372bb6826bd81d3542a419d6")
    }
}

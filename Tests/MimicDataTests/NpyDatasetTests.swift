import Foundation
import MimicBasics
import MimicData
import MimicSpec
import XCTest

/// `dataset: npy` and `dataset: cifar100`: files read into CHW images, counts and shapes taken
/// from the files, and every mismatch reported in words that name the file.
final class NpyDatasetTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-npy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Images [N, H, W, C] whose byte at (n, y, x, c) is n*64 + y*16 + x*4 + c (N, H, W < 4, C < 4).
    func writeNHWC(_ name: String, n: Int, h: Int, w: Int, c: Int) throws {
        var bytes: [UInt8] = []
        for i in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c { bytes.append(UInt8(i * 64 + y * 16 + x * 4 + k)) } } } }
        try NumpyArray.write(bytes, descr: "|u1", shape: [n, h, w, c], to: path(name))
    }

    func writeLabels(_ name: String, _ labels: [Int64]) throws {
        var bytes: [UInt8] = []
        labels.withUnsafeBytes { bytes += $0 }
        try NumpyArray.write(bytes, descr: "<i8", shape: [labels.count], to: path(name))
    }

    func files(_ train: String, _ test: String, validation: String? = nil) -> NpyFiles {
        func pair(_ stem: String) -> ImageFiles {
            ImageFiles(images: Located(path(stem + "-x.npy"), at: .nowhere), labels: Located(path(stem + "-y.npy"), at: .nowhere))
        }
        return NpyFiles(train: pair(train), validation: validation.map(pair), test: pair(test), layout: .nhwc)
    }

    func testNHWCBytesBecomeCHWAndLabelsFollow() throws {
        try writeNHWC("train-x.npy", n: 3, h: 2, w: 3, c: 2)
        try writeLabels("train-y.npy", [4, 0, 2])
        let set = try NpyDataset.read(files("train", "train").train, layout: .nhwc)
        XCTAssertEqual([set.count, set.channels, set.height, set.width], [3, 2, 2, 3])
        XCTAssertEqual(set.labels, [4, 0, 2])
        // CHW: image 2, channel 1, row 1, column 2 is the NHWC byte 2*64 + 1*16 + 2*4 + 1.
        XCTAssertEqual(set.pixels[2 * 12 + 1 * 6 + 1 * 3 + 2], UInt8(2 * 64 + 16 + 8 + 1))
        var image = [Float](repeating: 0, count: set.imageSize)
        set.image(2, into: &image)
        XCTAssertEqual(image[1 * 6 + 1 * 3 + 2], Float(2 * 64 + 16 + 8 + 1) / 255, accuracy: 1e-7)
    }

    func testFloatImagesInNCHWAreReadAsStored() throws {
        let values: [Float] = (0..<(2 * 1 * 2 * 2)).map { Float($0) * 0.25 - 0.5 }
        var bytes: [UInt8] = []
        values.withUnsafeBytes { bytes += $0 }
        try NumpyArray.write(bytes, descr: "<f4", shape: [2, 1, 2, 2], to: path("x.npy"))
        try writeLabels("y.npy", [1, 0])
        let pair = ImageFiles(images: Located(path("x.npy"), at: .nowhere), labels: Located(path("y.npy"), at: .nowhere))
        let set = try NpyDataset.read(pair, layout: .nchw)
        XCTAssertEqual(set.storage, .floats(values))
        var image = [Float](repeating: 0, count: 4)
        set.image(1, into: &image)
        XCTAssertEqual(image, Array(values[4...]))
        XCTAssertEqual(set.mirrored().storage, .floats([-0.25, -0.5, 0.25, 0, 0.75, 0.5, 1.25, 1]))
    }

    func testSplitsCountsAndMismatchesAreChecked() throws {
        try writeNHWC("train-x.npy", n: 3, h: 2, w: 3, c: 1)
        try writeLabels("train-y.npy", [0, 1, 2])
        try writeNHWC("test-x.npy", n: 2, h: 2, w: 3, c: 1)
        try writeLabels("test-y.npy", [1, 1])
        var config = DataConfig(dataset: .npy, path: nil, train: 0, validation: 1, normalize: .none, inputScale: 1,
                                augment: Augmentation(), seed: 0, location: .nowhere)
        config.files = files("train", "test")
        config.trainFromFiles = true
        let (splits, records) = try DataSource.splits(config)
        XCTAssertEqual([splits.train.count, splits.validation.count, splits.test.count, records], [2, 1, 2, 3])
        XCTAssertEqual(splits.validation.labels, [2])
        XCTAssertEqual(splits.validationOffset, 2)
        XCTAssertEqual(DataSource.testCount(config), 2)

        config.trainFromFiles = false
        config.train = 3
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("data.train + data.validation = 4 exceeds the 3 images"), "\($0)") }

        try writeLabels("test-y.npy", [1, 1, 1])
        config.train = 2
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("holds 3 labels for the 2 images"), "\($0)") }
        try writeLabels("test-y.npy", [1, 300])
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("has label 300 at row 1"), "\($0)") }
        // No test images, or images without pixels.
        try writeNHWC("test-x.npy", n: 0, h: 2, w: 3, c: 1)
        try writeLabels("test-y.npy", [])
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("holds no images"), "\($0)") }
        try NumpyArray.write([], descr: "|u1", shape: [2, 0, 3, 1], to: path("test-x.npy"))
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("at least one pixel"), "\($0)") }
        try writeLabels("test-y.npy", [1, 1])
        try writeNHWC("test-x.npy", n: 2, h: 3, w: 2, c: 1)
        XCTAssertThrowsError(try DataSource.splits(config)) { XCTAssertTrue("\($0)".contains("the test images are 1x3x2; the training images are 1x2x3"), "\($0)") }
        try NumpyArray.write([0, 0, 0, 0, 0, 0, 0, 0], descr: "<f8", shape: [1], to: path("test-y.npy"))
        XCTAssertThrowsError(try NumpyArray.readLabels(path("test-y.npy"))) { XCTAssertTrue("\($0)".contains("holds '<f8' values"), "\($0)") }
        try NumpyArray.write([1, 0, 2, 0], descr: "<i2", shape: [2, 1, 1], to: path("test-y.npy"))
        XCTAssertThrowsError(try NumpyArray.readLabels(path("test-y.npy"))) { XCTAssertTrue("\($0)".contains("one integer per image"), "\($0)") }
        // A device where a file belongs is refused, not read forever.
        XCTAssertThrowsError(try NumpyArray.readLabels("/dev/zero")) { XCTAssertTrue("\($0)".contains("is not a regular file"), "\($0)") }
        XCTAssertThrowsError(try NumpyArray.readHeader("/dev/zero")) { XCTAssertTrue("\($0)".contains("is not a regular file"), "\($0)") }
        // Narrow and signed integer labels.
        try NumpyArray.write([7, 0, 0xFF, 0xFF], descr: "<i2", shape: [2], to: path("test-y.npy"))
        XCTAssertEqual(try NumpyArray.readLabels(path("test-y.npy")), [7, -1])
    }

    func testAValidationFileIsUsedWholeUnlessCountsAreGiven() throws {
        for stem in ["train", "val", "test"] {
            try writeNHWC(stem + "-x.npy", n: 3, h: 2, w: 2, c: 3)
            try writeLabels(stem + "-y.npy", [0, 1, 0])
        }
        var config = DataConfig(dataset: .npy, path: nil, train: 0, validation: 0, normalize: .none, inputScale: 1,
                                augment: Augmentation(), seed: 0, location: .nowhere)
        config.files = files("train", "test", validation: "val")
        config.trainFromFiles = true
        config.validationFromFiles = true
        var splits = try DataSource.splits(config).splits
        XCTAssertEqual([splits.train.count, splits.validation.count, splits.validationOffset], [3, 3, 0])
        config.validationFromFiles = false
        config.validation = 2
        splits = try DataSource.splits(config).splits
        XCTAssertEqual(splits.validation.count, 2)
        // The images a run trained on, in record order, normalise exported logits.
        XCTAssertEqual(try DataSource.recordOrder(config, test: false).trained.count, 3)
    }

    func testCIFAR100RecordsGiveFineOrCoarseLabels() throws {
        let cifar = CIFARBinary.cifar100(.fine)
        var bytes = [UInt8](repeating: 0, count: 3074 * 50_000)
        for r in 0..<50_000 {
            bytes[r * 3074] = UInt8(r % 20)
            bytes[r * 3074 + 1] = UInt8(r % 100)
            bytes[r * 3074 + 2] = UInt8(r % 7)  // first red pixel
        }
        let test = Array(bytes[0..<(3074 * 10_000)])
        FileManager.default.createFile(atPath: path("train.bin"), contents: Data(bytes))
        FileManager.default.createFile(atPath: path("test.bin"), contents: Data(test))
        let fine = try cifar.load(directory: directory, train: 45_000, validation: 5_000)
        XCTAssertEqual(fine.validation.labels[1], UInt8(45_001 % 100))
        XCTAssertEqual(fine.train.pixels[3 * 3072], 3)
        let coarse = try CIFARBinary.cifar100(.coarse).load(directory: directory, train: 45_000, validation: 5_000)
        XCTAssertEqual(coarse.validation.labels[1], UInt8(45_001 % 20))
        XCTAssertEqual(coarse.test.labels[99], 99 % 20)
        bytes[1] = 100
        FileManager.default.createFile(atPath: path("train.bin"), contents: Data(bytes))
        XCTAssertThrowsError(try cifar.load(directory: directory, train: 1, validation: 1)) {
            XCTAssertTrue("\($0)".contains("record 0 has label 100, expected 0-99"), "\($0)")
        }
        XCTAssertThrowsError(try cifar.load(directory: directory + "/nowhere", train: 1, validation: 1)) {
            XCTAssertTrue("\($0)".contains("mimicc data import cifar100 --from cifar-100-binary.tar.gz"), "\($0)")
        }
    }

    /// The spec's model takes its input and classes from the files when it leaves them out, and
    /// a spec that states them wrongly is told which file disagrees.
    func testShapesAndClassesFlowFromTheFilesIntoTheSpec() throws {
        try writeNHWC("train-x.npy", n: 3, h: 2, w: 3, c: 1)
        try writeLabels("train-y.npy", [0, 4, 2])
        func spec(_ model: String, augment: String = "") throws -> (Spec, [Diagnostic]) {
            let file = path("spec.yaml")
            try """
                mimicc: 1
                model: {\(model)architecture: "8fc"}
                data:
                  dataset: npy
                  validation: 1
                  files: {train: {images: train-x.npy, labels: train-y.npy}, test: {images: train-x.npy, labels: train-y.npy}}
                \(augment)
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let loaded = try SpecLoader().load(file)
            XCTAssertEqual(loaded.diagnostics.filter { $0.severity == .error }, [])
            var spec = try XCTUnwrap(loaded.spec)
            let diagnostics = DataShapes.resolve(&spec)
            return (spec, diagnostics)
        }
        let (derived, none) = try spec("")
        XCTAssertEqual(none, [])
        XCTAssertEqual(derived.model?.input, [1, 2, 3])
        XCTAssertEqual(derived.model?.classes, 5)
        XCTAssertEqual([derived.data?.train, derived.data?.validation], [2, 1])

        let (_, wrong) = try spec("input: [3, 2, 3], classes: 4, ")
        XCTAssertEqual(wrong.map(\.code), [.dataMismatch, .dataMismatch])
        XCTAssertEqual(wrong.first?.message, "model.input is [3, 2, 3], but the images of '\(path("train-x.npy"))' are [1, 2, 3] [channels, height, width]")
        XCTAssertEqual(wrong.last?.message, "model.classes is 4, but '\(path("train-y.npy"))' has label 4")

        let (_, augmentation) = try spec("", augment: "  augment: {translate: 2, hsv: {dh: 0.1, ds: 0.1, dv: 0.1, as: 0.1, av: 0.1}}")
        XCTAssertEqual(augmentation.map(\.message), [
            "data.augment: 'hsv' shifts colours, but the images have 1 channel",
            "data.augment: 'translate' must be at most 1 for 2x3 images, found 2",
        ])
        try FileManager.default.removeItem(atPath: path("train-x.npy"))
        let (_, missing) = try spec("")
        XCTAssertEqual(missing.count, 1)
        XCTAssertTrue(missing[0].message.hasPrefix("cannot take model.input and model.classes from the data: "), missing[0].message)
        let (_, quiet) = try spec("input: [1, 2, 3], classes: 5, ")
        XCTAssertEqual(quiet, [], "a missing file is the run's problem when nothing must come from it")
    }

    /// Crops keep the aspect ratio of images that are not square, translation reflects each
    /// axis by its own length, and a full crop is the image itself.
    func testAugmentationOnImagesThatAreNotSquare() throws {
        let (h, w) = (4, 6)
        let image = (0..<(h * w)).map { Float($0) / Float(h * w) }
        XCTAssertEqual(Augmentation.cropRescale(image, channels: 1, height: h, width: w, crop: (h, w), top: 0, left: 0)
                           .map { ($0 * 1e5).rounded() }, image.map { ($0 * 1e5).rounded() })
        let moved = Augmentation.translate(image, channels: 1, height: h, width: w, dx: 2, dy: -1)
        // out(y, x) = in(y + 1, x - 2), reflected: out(3, 0) = in(reflect(4) = 2, reflect(-2) = 2).
        XCTAssertEqual(moved[3 * w + 0], image[2 * w + 2])
        XCTAssertEqual(moved[0 * w + 5], image[1 * w + 3])
        var g = SeededGenerator(seed: 5)
        var copy = [Float](repeating: 0.5, count: 2 * h * w)
        _ = Augmentation.apply(MimicSpec.Augmentation(flip: true, cropRescale: 2...4, translate: 1), to: &copy, channels: 2,
                               height: h, width: w, generator: &g)
        XCTAssertEqual(copy, [Float](repeating: 0.5, count: 2 * h * w), "a constant image stays constant under every augmentation")
    }
}

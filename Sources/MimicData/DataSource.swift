import Foundation
import MimicBasics
import MimicSpec

/// The one place that maps a spec's data config to images: the splits a run trains,
/// validates and tests on, and a split's every image in record order (for exported logits).
/// A new data format is a reader of its own (as `CIFARBinary.swift` or `NpyDataset.swift`) and
/// a case in each switch below; the compiler points at both.
public enum DataSource {
    /// Where data sets live: `data.path`, else `$MIMICC_DATA`, else `~/.cache/mimicc`.
    public static func root(_ path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        path ?? environment["MIMICC_DATA"] ?? (NSHomeDirectory() + "/.cache/mimicc")
    }

    /// The run's splits, and how many records the training file holds in record order (the
    /// rows a teacher's training logits must have).
    public static func splits(_ config: DataConfig) throws -> (splits: Splits, trainingRecords: Int) {
        switch config.dataset {
        case .cifar10, .cifar100:
            let cifar = CIFARBinary.of(config)!
            let splits = try cifar.load(directory: cifar.locate(path: config.path), train: config.train, validation: config.validation)
            return (splits, CIFARBinary.trainingImages)
        case .npy:
            return try NpyDataset.splits(config)
        case .synthetic:
            return (try synthetic(config), config.train + config.validation)
        }
    }

    /// How many test images a run scores (without reading them: cost estimates; an unreadable
    /// npy test file counts as none).
    public static func testCount(_ config: DataConfig) -> Int {
        switch config.dataset {
        case .cifar10, .cifar100: CIFARBinary.testImages
        case .npy: config.files.flatMap { try? NumpyArray.readHeader($0.test.images.value).shape.first } ?? 0
        case .synthetic: max(1000, config.validation)
        }
    }

    /// Every image of the training records (`test` false) or of the test records, in record
    /// order, and the images the run trained on (their statistics normalise per channel).
    public static func recordOrder(_ config: DataConfig, test: Bool) throws -> (images: ImageSet, trained: ImageSet) {
        switch config.dataset {
        case .cifar10, .cifar100:
            let cifar = CIFARBinary.of(config)!
            let all = try cifar.loadAll(directory: cifar.locate(path: config.path))
            return (test ? all.test : all.train, all.train.slice(0..<config.train))
        case .npy:
            guard let files = config.files else { throw DataError("internal error: 'dataset: npy' without files") }
            let train = try NpyDataset.read(files.train, layout: files.layout)
            let validationRecords = try files.validation.map { try NumpyArray.readHeader($0.images.value).shape.first ?? 0 }
            let trained = try NpyDataset.counts(config, trainRecords: train.count, validationRecords: validationRecords).train
            return (test ? try NpyDataset.read(files.test, layout: files.layout) : train, train.slice(0..<trained))
        case .synthetic:
            let s = try synthetic(config)
            let training = s.train.appending(s.validation)
            return (test ? s.test : training, s.train)
        }
    }

    /// The built-in set: as many test images as validation ones, at least 1000. Refused before
    /// it is made when its images (3 KiB each) would not fit in memory.
    static func synthetic(_ config: DataConfig) throws -> Splits {
        let images = SaturatingCount.sum(config.train, config.validation, max(1000, config.validation))
        try MemoryCheck.ensureFits([("\(images) synthetic images", SaturatingCount.product(images, 3 * 32 * 32))],
                                   doing: "the synthetic data set", hint: "lower data.train and data.validation")
        return SyntheticData.generate(train: config.train, validation: config.validation, test: max(1000, config.validation),
                                      seed: UInt64(config.seed), difficulty: config.difficulty)
    }
}

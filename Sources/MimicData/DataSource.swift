import Foundation
import MimicBasics
import MimicSpec

/// The one place that maps a spec's data config to images: the splits a run trains,
/// validates and tests on, and a split's every image in record order (for exported logits).
/// A new data format is a reader of its own (as `CIFAR10.swift`) and a case in each switch
/// below; the compiler points at both.
public enum DataSource {
    /// Where data sets live: `data.path`, else `$MIMICC_DATA`, else `~/.cache/mimicc`.
    public static func root(_ path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        path ?? environment["MIMICC_DATA"] ?? (NSHomeDirectory() + "/.cache/mimicc")
    }

    /// The run's splits, and how many records the training file holds in record order (the
    /// rows a teacher's training logits must have).
    public static func splits(_ config: DataConfig) throws -> (splits: Splits, trainingRecords: Int) {
        switch config.dataset {
        case .cifar10:
            let splits = try CIFAR10.load(directory: CIFAR10.locate(path: config.path), train: config.train, validation: config.validation)
            return (splits, 50_000)
        case .synthetic:
            return (try synthetic(config), config.train + config.validation)
        }
    }

    /// How many test images a run scores (without reading them: cost estimates).
    public static func testCount(_ config: DataConfig) -> Int {
        switch config.dataset {
        case .cifar10: 10_000
        case .synthetic: max(1000, config.validation)
        }
    }

    /// Every image of the training records (`test` false) or of the test records, in record
    /// order, and the images the run trained on (their statistics normalise per channel).
    public static func recordOrder(_ config: DataConfig, test: Bool) throws -> (images: ImageSet, trained: ImageSet) {
        switch config.dataset {
        case .cifar10:
            let all = try CIFAR10.loadAll(directory: CIFAR10.locate(path: config.path))
            return (test ? all.test : all.train, all.train.slice(0..<config.train))
        case .synthetic:
            let s = try synthetic(config)
            let training = ImageSet(channels: 3, height: 32, width: 32, pixels: s.train.pixels + s.validation.pixels,
                                    labels: s.train.labels + s.validation.labels)
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
                                      seed: UInt64(config.seed))
    }
}

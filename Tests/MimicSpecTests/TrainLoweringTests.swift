import Foundation
import MimicBasics
import MimicSpec
import MimicVocabulary
import XCTest

/// What `train` lowers to, for the settings of the fast CIFAR-10 recipe.
final class TrainLoweringTests: XCTestCase {
    func load(_ train: String, optimizer: String = "{sgd: {lr: 0.1, momentum: 0.9, nesterov: true}}") throws -> SpecLoader.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            mimicc: 1
            model: {architecture: "8c3-mp2-16fc"}
            data: {dataset: synthetic}
            train:
              optimizer: \(optimizer)
              epochs: 3
            \(train)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try SpecLoader().load(path)
    }

    func testMimicReduction() throws {
        let teacher = "\nteacher: {logits: {train: t.npy, test: u.npy}}"
        XCTAssertEqual(try load("  loss: {mimic: {reduce: mean}}" + teacher).spec?.train?.loss, .mimicMean)
        XCTAssertEqual(try load("  loss: {mimic: {reduce: sum}}" + teacher).spec?.train?.loss, .mimic)
        XCTAssertEqual(try load("  loss: mimic" + teacher).spec?.train?.loss, .mimic)
        XCTAssertEqual(try load("  loss: {mimic: {reduce: max}}" + teacher).diagnostics.map(\.code), [.invalidChoice])
    }

    func testLabelSmoothing() throws {
        XCTAssertEqual(try load("  loss: {cross-entropy: {label-smoothing: 0.2}}").spec?.train?.loss, .smoothedCrossEntropy(smoothing: 0.2))
        XCTAssertEqual(try load("  loss: {cross-entropy: {label-smoothing: 0}}").spec?.train?.loss, .crossEntropy)
        XCTAssertEqual(try load("  loss: cross-entropy").spec?.train?.loss, .crossEntropy)
        let diagnostics = try load("  loss: {cross-entropy: {label-smoothing: 1}}").diagnostics
        XCTAssertEqual(diagnostics.map(\.code), [.outOfRange])
        XCTAssertEqual(diagnostics.first?.message, "'cross-entropy.label-smoothing' must be less than 1.0, found 1.0")
        XCTAssertEqual(diagnostics.first?.location?.line, 7)
    }

    func testWarmupLinearSchedule() throws {
        XCTAssertEqual(try load("  loss: cross-entropy\n  schedule: warmup-linear").spec?.train?.schedule,
                       .warmupLinear(warmup: 0.23, startRatio: 0.2, endRatio: 0.07))
        XCTAssertEqual(try load("  loss: cross-entropy\n  schedule: {warmup-linear: {warmup: 0.1, end-ratio: 0}}").spec?.train?.schedule,
                       .warmupLinear(warmup: 0.1, startRatio: 0.2, endRatio: 0))
        let diagnostics = try load("  loss: cross-entropy\n  schedule: {warmup-linear: {warmup: 1}}").diagnostics
        XCTAssertEqual(diagnostics.map(\.message), ["'warmup-linear.warmup' must be less than 1.0, found 1.0"])
    }

    func testMultipliersAndDecoupledDecay() throws {
        let sgd = "{sgd: {lr: 0.6, momentum: 0.85, nesterov: true, weight-decay: 0.002, decoupled-decay: true, "
            + "multipliers: {biases: {lr: 64}, weights: {weight-decay: 0.5}}}}"
        let train = try XCTUnwrap(try load("  loss: cross-entropy", optimizer: sgd).spec?.train)
        XCTAssertEqual(train.optimizer, .sgd(lr: 0.6, momentum: 0.85, nesterov: true, weightDecay: 0.002))
        XCTAssertEqual(train.groups, ParameterGroups(multipliers: [.biases: KindMultipliers(lr: 64), .weights: KindMultipliers(weightDecay: 0.5)],
                                                     decoupledDecay: true))
        XCTAssertEqual(try load("  loss: cross-entropy").spec?.train?.groups, ParameterGroups(), "none unless asked")
        for (optimizer, message) in [
            ("{sgd: {lr: 0.1, multipliers: {bias: {lr: 2}}}}", "unknown key 'bias' in 'sgd.multipliers'"),
            ("{sgd: {lr: 0.1, multipliers: {biases: {lr: 0}}}}", "'sgd.multipliers.biases.lr' must be greater than 0.0, found 0.0"),
            ("{adam: {decoupled-decay: true}}", "unknown key 'decoupled-decay' in 'adam'"),
        ] {
            let diagnostics = try load("  loss: cross-entropy", optimizer: optimizer).diagnostics
            let text = optimizer
            XCTAssertTrue(diagnostics.contains { $0.message == message }, "\(text): \(diagnostics.map(\.message))")
        }
    }

    func testLookaheadAndViews() throws {
        let train = try XCTUnwrap(try load("  loss: cross-entropy\n  lookahead: {every: 4, power: 2}\n  tta: flip-shift").spec?.train)
        XCTAssertEqual(train.lookahead, Lookahead(every: 4, decay: 0.95, power: 2))
        XCTAssertEqual(train.tta, .flipShift)
        XCTAssertEqual(try load("  loss: cross-entropy\n  lookahead:").spec?.train?.lookahead, Lookahead())
        let plain = try XCTUnwrap(try load("  loss: cross-entropy").spec?.train)
        XCTAssertNil(plain.lookahead)
        XCTAssertEqual(plain.tta, TestTimeAugmentation.none)
        XCTAssertEqual(try load("  loss: cross-entropy\n  lookahead: {decay: 1}").diagnostics.map(\.message),
                       ["'lookahead.decay' must be less than 1.0, found 1.0"])
        XCTAssertEqual(try load("  loss: cross-entropy\n  tta: mirror").diagnostics.map(\.code), [.invalidChoice])
    }
}

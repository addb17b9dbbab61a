import Foundation
import MimicBasics
import MimicSpec
import MimicVocabulary
import XCTest

/// What `train` lowers to, for the settings of the fast CIFAR-10 recipe.
final class TrainLoweringTests: XCTestCase {
    func load(_ train: String) throws -> SpecLoader.Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            mimicc: 1
            model: {architecture: "8c3-mp2-16fc"}
            data: {dataset: synthetic}
            train:
              optimizer: {sgd: {lr: 0.1, momentum: 0.9, nesterov: true}}
              epochs: 3
            \(train)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return try SpecLoader().load(path)
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
}

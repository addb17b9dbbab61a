import Foundation
import MimicDriver
import MimicSpec
import MimicTrain
import XCTest

/// `train.clip-grad-norm`: the gradients scaled to the norm when above it, left alone below.
final class GradientClipTests: XCTestCase {
    func testClipsToTheNormAndLeavesSmallGradientsAlone() {
        var values: [Float] = [3, 0, -4]
        let norm = values.withUnsafeMutableBufferPointer { GradientClip.apply($0, maxNorm: 1) }
        XCTAssertEqual(norm, 5)
        XCTAssertEqual(values[0], 0.6, accuracy: 1e-7)
        XCTAssertEqual(values[1], 0)
        XCTAssertEqual(values[2], -0.8, accuracy: 1e-7)
        var small: [Float] = [0.3, 0.4]
        XCTAssertEqual(small.withUnsafeMutableBufferPointer { GradientClip.apply($0, maxNorm: 1) }, 0.5, accuracy: 1e-7)
        XCTAssertEqual(small, [0.3, 0.4])
        var broken: [Float] = [.nan, 1]
        XCTAssertTrue(broken.withUnsafeMutableBufferPointer { GradientClip.apply($0, maxNorm: 1) }.isNaN)
        XCTAssertEqual(broken[1], 1, "a non-finite norm is left for the divergence check to report")
    }

    func testTheSpecTurnsItOnAndTrainingUsesIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-clip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ clip: String) throws -> String {
            let path = directory + "/clip\(clip.isEmpty ? "-none" : "").yaml"
            try """
                mimicc: 1
                model: {architecture: "8c3-mp2-16fc"}
                data: {dataset: synthetic, train: 256, validation: 128, seed: 2}
                train:
                  loss: cross-entropy
                  optimizer: {sgd: {lr: 0.05}}
                  batch: 32
                  epochs: 1
                  seed: 3
                \(clip)
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        XCTAssertEqual(try SpecLoader().load(try write("  clip-grad-norm: 0.001")).spec?.train?.clipGradientNorm, 0.001)
        XCTAssertNil(try SpecLoader().load(try write("")).spec?.train?.clipGradientNorm)
        XCTAssertEqual(try SpecLoader().load(try write("  clip-grad-norm: 0")).diagnostics.map(\.code), [.outOfRange])
        func train(_ file: String, _ out: String) throws -> TrainingResult {
            var options = Runner.Options()
            options.out = directory + "/" + out
            options.threads = 2
            return try Runner.run(file, options: options, log: { _ in }, isTerminal: false)
        }
        let clipped = try train(try write("  clip-grad-norm: 0.001"), "clipped")
        let free = try train(try write(""), "free")
        // 8 steps of at most 0.05 x 0.001 barely move the weights: the clipped run learns
        // almost nothing while the free one learns.
        XCTAssertLessThan(clipped.bestValidationAccuracy, free.bestValidationAccuracy)
    }
}

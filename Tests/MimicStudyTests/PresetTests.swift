import Foundation
import MimicDriver
@testable import MimicSpec
import MimicTestSupport
import XCTest
@testable import MimicStudy

/// `--preset NAME`: DIR/presets/NAME.yaml patches every spec of a study, then the specs of
/// chosen families; `null` deletes; a preset is linted as a preset, never run as a spec.
final class PresetTests: XCTestCase {
    var root = ""
    var directory: String { root + "/study" }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "mimicc-preset-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/presets", withIntermediateDirectories: true)
        var study = SyntheticStudy()
        study.experiments = [
            .init("cnn", family: "CNN-1", architecture: "8c5-mp4-depfc"),
            .init("mlp", family: "MLP-1", architecture: "depfc"),
        ]
        try study.write(into: directory)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func preset(_ text: String) throws -> SpecPreset {
        try text.write(toFile: directory + "/presets/quick.yaml", atomically: true, encoding: .utf8)
        return try StudyPreset.load("quick", in: directory).get()
    }

    func testAPresetPatchesEverySpecThenItsFamilies() throws {
        let plain = try StudyPlan.make(directory: directory).get()
        let quick = try preset("""
            description: fewer epochs, a narrower rate for the MLPs, no rate search for the CNNs
            patch:
              train: {epochs: 4, schedule: {one-cycle: {momentum: [0.85, 0.95]}}}
              search: {trials: 6, fidelity: {min-epochs: 1, reduction: 2}}
            families:
              MLP-*:
                train: {optimizer: {sgd: {lr: 0.01}}}
                search: {space: {train.optimizer.sgd.lr: {log-uniform: [0.005, 0.02]}}}
              cnn-1:
                search:
                  space:
                    model.layers[0].conv.filters: {int: [4, 12]}
                    train.optimizer.sgd.lr: null
            """)
        XCTAssertEqual(quick.description, "fewer epochs, a narrower rate for the MLPs, no rate search for the CNNs")
        let plan = try StudyPlan.make(directory: directory, presets: [quick]).get()
        XCTAssertEqual(plan.experiments.map(\.name), ["cnn", "mlp"], "the preset file is not an experiment")
        XCTAssertTrue(zip(plan.experiments, plain.experiments).allSatisfy { $0.hash != $1.hash }, "patched specs are new experiments")
        for e in plan.experiments {
            XCTAssertEqual(e.spec.train?.epochs, 4)
            XCTAssertEqual(e.spec.search?.trials, 6)
            XCTAssertEqual(e.schedule.levels, [1, 2, 4])
            if case .oneCycle? = e.spec.train?.schedule {} else { XCTFail("\(e.name): \(String(describing: e.spec.train?.schedule))") }
        }
        let (cnn, mlp) = (plan.experiments[0], plan.experiments[1])
        XCTAssertEqual(cnn.spec.search?.space.map(\.path), ["model.layers[0].conv.filters"], "null deleted the rate")
        XCTAssertEqual(mlp.spec.search?.space.map(\.path), ["train.optimizer.sgd.lr"])
        XCTAssertEqual(mlp.spec.search?.space.first?.distribution, .logUniform(0.005, 0.02))
        if case .sgd(let lr, _, _, _)? = mlp.spec.train?.optimizer { XCTAssertEqual(lr, 0.01) } else { XCTFail("sgd") }
        if case .sgd(let lr, _, _, _)? = cnn.spec.train?.optimizer { XCTAssertEqual(lr, 0.02) } else { XCTFail("sgd") }
        // Without --preset, lint is clean and the preset is checked as a preset.
        XCTAssertEqual(Linter.lint([directory]).errorCount, 0)
    }

    func testABadPresetIsReportedWhereItIsWrong() throws {
        try "patch:\n  train: {epochs: 4}\nfamilys: {}\n".write(toFile: directory + "/presets/typo.yaml", atomically: true, encoding: .utf8)
        guard case .failure(let failure) = try StudyPreset.load("typo", in: directory) else { return XCTFail("loaded") }
        XCTAssertEqual(failure.report.diagnostics.map(\.code), [.unknownKey])
        XCTAssertEqual(failure.report.diagnostics.first?.location?.line, 3)
        XCTAssertTrue(failure.report.diagnostics.first?.notes.first?.message.contains("families") ?? false)
        XCTAssertEqual(Linter.lint([directory]).errorCount, 1, "lint checks presets too")
        XCTAssertEqual(StudyPreset.available(in: directory), ["typo"])
        try FileManager.default.removeItem(atPath: directory + "/presets/typo.yaml")
        // A value the specs then reject points into the preset.
        let negative = try preset("patch:\n  train: {epochs: -1}\n")
        guard case .failure(let rejected) = StudyPlan.make(directory: directory, presets: [negative]) else { return XCTFail("planned") }
        XCTAssertEqual(rejected.report.diagnostics.first?.location?.file, directory + "/presets/quick.yaml")
        XCTAssertEqual(rejected.report.diagnostics.first?.location?.line, 2)
        XCTAssertThrowsError(try StudyPreset.load("missing", in: directory))
    }

    func testFamilyPatterns() {
        XCTAssertTrue(SpecPreset.matches("MLP-3", "MLP-*"))
        XCTAssertTrue(SpecPreset.matches("cnn-1", "CNN-1"))
        XCTAssertTrue(SpecPreset.matches("CNN-4", "*-4"))
        XCTAssertFalse(SpecPreset.matches("CNN-1", "MLP-*"))
        XCTAssertFalse(SpecPreset.matches("MLP-12", "MLP-?"))
    }
}

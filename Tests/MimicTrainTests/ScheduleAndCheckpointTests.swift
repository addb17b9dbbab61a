import Foundation
import MimicBasics
import MimicSpec
import MimicTrain
import XCTest

/// Learning-rate schedules and checkpoints.
final class ScheduleAndCheckpointTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimicc-data-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testPlateauScheduleCutsWaitsAndStops() {
        var s = LearningRateSchedule(.plateau(factor: 0.5, patience: 2, cooldown: 1, stopPatience: 5, minLRRatio: 0.01),
                                     initialRate: 1, epochs: 100)
        var rates: [Double] = []
        var going = true
        for error in [0.5, 0.4, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45] where going {
            going = s.endEpoch(validationError: error)
            rates.append(s.rate)
        }
        // Improves twice, then no gain: cut after 2 stale epochs, again 2 later, stop at 5.
        XCTAssertEqual(rates, [1, 1, 1, 0.5, 0.5, 0.25, 0.25])
        XCTAssertEqual(s.stopReason, .plateau)
        var floor = LearningRateSchedule(.plateau(factor: 0.1, patience: 1, cooldown: 0, stopPatience: 50, minLRRatio: 0.05),
                                         initialRate: 1, epochs: 100)
        _ = floor.endEpoch(validationError: 0.5)
        XCTAssertTrue(floor.endEpoch(validationError: 0.5))
        XCTAssertFalse(floor.endEpoch(validationError: 0.5))
        XCTAssertEqual(floor.stopReason, .minimumRate)
    }

    func testOneCycleRisesThenFalls() {
        let s = LearningRateSchedule(.oneCycle(warmup: 0.1, startRatio: 0.04, minLRRatio: 0.0001, momentum: nil), initialRate: 0.5, epochs: 10)
        XCTAssertEqual(s.rate(step: 0, stepsPerEpoch: 100), 0.02, accuracy: 1e-12)
        XCTAssertEqual(s.rate(step: 100, stepsPerEpoch: 100), 0.5, accuracy: 1e-12, "the peak after a tenth of the run")
        XCTAssertLessThan(s.rate(step: 50, stepsPerEpoch: 100), 0.5)
        var late = s
        late.epoch = 9
        XCTAssertEqual(late.rate(step: 100, stepsPerEpoch: 100), 0.5 * 0.0001, accuracy: 1e-12, "the end")
        XCTAssertLessThan(late.rate(step: 50, stepsPerEpoch: 100), s.rate(step: 50, stepsPerEpoch: 100) * 2)
    }

    func testOneCycleCyclesMomentumAgainstTheRate() {
        let cycle = MomentumCycle(low: 0.85, high: 0.95)
        var s = LearningRateSchedule(.oneCycle(warmup: 0.1, startRatio: 0.04, minLRRatio: 0.0001, momentum: cycle), initialRate: 0.5,
                                     epochs: 10)
        XCTAssertEqual(s.momentum(step: 0, stepsPerEpoch: 100)!, 0.95, accuracy: 1e-12, "high while the rate is low")
        XCTAssertEqual(s.momentum(step: 100, stepsPerEpoch: 100)!, 0.85, accuracy: 1e-12, "low at the rate's peak")
        XCTAssertEqual(s.momentum(step: 50, stepsPerEpoch: 100)!, 0.90, accuracy: 1e-12)
        s.epoch = 9
        XCTAssertEqual(s.momentum(step: 100, stepsPerEpoch: 100)!, 0.95, accuracy: 1e-12, "back up at the end")
        XCTAssertNil(LearningRateSchedule(.oneCycle(warmup: 0.1, startRatio: 0.04, minLRRatio: 0.0001, momentum: nil), initialRate: 0.5,
                                          epochs: 10).momentum(step: 0, stepsPerEpoch: 100))
        XCTAssertNil(LearningRateSchedule(.constant, initialRate: 0.5, epochs: 10).momentum(step: 0, stepsPerEpoch: 100))
    }

    /// The fast recipe's rate, step by step: 30 steps, a warm-up of int(0.23 * 30) = 6.
    func testWarmupThenLinearDecay() {
        var schedule = LearningRateSchedule(.warmupLinear(warmup: 0.23, startRatio: 0.2, endRatio: 0.07), initialRate: 2, epochs: 3)
        XCTAssertEqual(schedule.rate(step: 0, stepsPerEpoch: 10), 0.4, accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(step: 3, stepsPerEpoch: 10), 2 * (0.2 + 0.8 * 3 / 6), accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(step: 6, stepsPerEpoch: 10), 2, accuracy: 1e-12)
        XCTAssertTrue(schedule.endEpoch(validationError: 0.5))
        XCTAssertEqual(schedule.rate(step: 2, stepsPerEpoch: 10), 2 * (1 - 0.93 * 6 / 24), accuracy: 1e-12, "step 12")
        XCTAssertTrue(schedule.endEpoch(validationError: 0.6), "a worse epoch does not stop it")
        XCTAssertEqual(schedule.rate(step: 9, stepsPerEpoch: 10), 2 * (1 - 0.93 * 23 / 24), accuracy: 1e-12, "the last step")
        XCTAssertNil(schedule.momentum(step: 9, stepsPerEpoch: 10))
        XCTAssertFalse(schedule.endEpoch(validationError: 0.4))
        XCTAssertEqual(schedule.stopReason, .epochs)
    }

    func testCheckpointRoundTripAndRefusals() throws {
        let schedule = LearningRateSchedule(.constant, initialRate: 0.1, epochs: 3)
        let hash = SHA256.hash(Array("spec".utf8))
        let checkpoint = Checkpoint(specHash: hash, epoch: 2, parameters: [1, 2, 3], optimizer: [4], state: [], schedule: schedule,
                                    bestAccuracy: 0.75)
        let path = directory + "/c.bin"
        try checkpoint.write(to: path)
        let read = try Checkpoint.read(path, expectedHash: hash)
        XCTAssertEqual(read.parameters, [1, 2, 3])
        XCTAssertEqual(read.optimizer, [4])
        XCTAssertEqual(read.epoch, 2)
        XCTAssertEqual(read.schedule, schedule)
        XCTAssertEqual(read.bestAccuracy, 0.75)
        XCTAssertThrowsError(try Checkpoint.read(path, expectedHash: SHA256.hash([1]))) { error in
            XCTAssertTrue("\(error)".contains("different spec"), "\(error)")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        FileManager.default.createFile(atPath: path, contents: bytes.dropLast(3))
        XCTAssertThrowsError(try Checkpoint.read(path, expectedHash: hash)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    /// Version 3 carries the position within an epoch of a run stopped mid-epoch, version 2
    /// lookahead's average; files of versions 1 and 2 (written before them) still load, with
    /// no average and at an epoch's start.
    func testCheckpointCarriesTheAverageAndPositionAndReadsVersions1And2() throws {
        let schedule = LearningRateSchedule(.constant, initialRate: 0.1, epochs: 3)
        let hash = SHA256.hash(Array("spec".utf8))
        let path = directory + "/a.bin"
        let position = Checkpoint.Position(steps: 7, lossSum: 12.5, seconds: 3.25)
        try Checkpoint(specHash: hash, epoch: 1, parameters: [1, 2], optimizer: [], state: [3], schedule: schedule,
                       bestAccuracy: 0.5, average: [0.5, 1.5, 2.5], position: position).write(to: path)
        let read = try Checkpoint.read(path, expectedHash: hash)
        XCTAssertEqual(read.average, [0.5, 1.5, 2.5])
        XCTAssertEqual(read.position, position)
        try Checkpoint(specHash: hash, epoch: 1, parameters: [1, 2], optimizer: [], state: [3], schedule: schedule,
                       bestAccuracy: 0.5).write(to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(bytes[8], 3, "version 3")
        bytes[8] = 2
        bytes.removeLast(24)  // the position
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let second = try Checkpoint.read(path, expectedHash: hash)
        XCTAssertEqual(second.parameters, [1, 2])
        XCTAssertEqual(second.position, .epochStart)
        bytes[8] = 1
        bytes.removeLast(8)  // the empty average's count
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let first = try Checkpoint.read(path, expectedHash: hash)
        XCTAssertEqual(first.parameters, [1, 2])
        XCTAssertEqual(first.average, [])
        XCTAssertEqual(first.position, .epochStart)
        bytes[8] = 4
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        XCTAssertThrowsError(try Checkpoint.read(path, expectedHash: hash)) { error in
            XCTAssertTrue("\(error)".contains("format version 4"), "\(error)")
        }
    }
}

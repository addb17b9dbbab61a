import Foundation
import MimicBasics
import MimicData

/// A training checkpoint in a versioned binary format, written atomically:
///
///     magic "MIMICCK1" | version u32 | spec hash (32 bytes) | epoch u32
///     | parameters (u64 count, float32s) | optimizer state | model state (batchnorm)
///     | schedule (u64 length, JSON) | best validation accuracy f64
///     | lookahead's average (version 2: u64 count, float32s; 0 without lookahead)
///     | position in the next epoch (version 3: steps u64, their loss sum f64, seconds f64)
///
/// little-endian throughout. Version 1 and 2 files (without the average or the position)
/// still load. Loading checks the magic, the version, the spec hash and every
/// length, so a truncated, foreign or mismatched file is an error, never garbage weights.
public struct Checkpoint: Sendable {
    public static let magic = Array("MIMICCK1".utf8)
    public static let version: UInt32 = 3

    public var specHash: [UInt8]
    public var epoch: Int
    public var parameters: [Float]
    public var optimizer: [Float]
    public var state: [Float]
    public var schedule: LearningRateSchedule
    public var bestAccuracy: Double
    /// Lookahead's trailing average of the parameters then the state; empty without lookahead.
    public var average: [Float]
    /// How far into epoch `epoch + 1` an interrupted run got (`Position.epochStart` at the
    /// end of an epoch).
    public var position: Position

    /// Steps of the next epoch already taken when the checkpoint was written mid-epoch, with
    /// the sum of their losses and their seconds, so the resumed epoch reports the same mean
    /// loss and speed. The batch order and augmentation are functions of the seed, the epoch
    /// and the step, so nothing else is needed to continue exactly where the run stopped.
    public struct Position: Sendable, Equatable {
        public var steps: Int
        public var lossSum: Double
        public var seconds: Double
        public static let epochStart = Position(steps: 0, lossSum: 0, seconds: 0)

        public init(steps: Int, lossSum: Double, seconds: Double) {
            self.steps = steps
            self.lossSum = lossSum
            self.seconds = seconds
        }
    }

    public init(specHash: [UInt8], epoch: Int, parameters: [Float], optimizer: [Float], state: [Float],
                schedule: LearningRateSchedule, bestAccuracy: Double, average: [Float] = [], position: Position = .epochStart) {
        self.average = average
        self.position = position
        self.specHash = specHash
        self.epoch = epoch
        self.parameters = parameters
        self.optimizer = optimizer
        self.state = state
        self.schedule = schedule
        self.bestAccuracy = bestAccuracy
    }

    public func write(to path: String) throws {
        var out = Data(Self.magic)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func put(_ floats: [Float]) {
            put(UInt64(floats.count))
            for f in floats { put(f.bitPattern) }
        }
        put(Self.version)
        out.append(contentsOf: specHash)
        put(UInt32(epoch))
        put(parameters)
        put(optimizer)
        put(state)
        // Sorted keys: the same state must give the same bytes (a dictionary's order is random).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(schedule)
        put(UInt64(json.count))
        out.append(json)
        put(bestAccuracy.bitPattern)
        put(average)
        put(UInt64(position.steps))
        put(position.lossSum.bitPattern)
        put(position.seconds.bitPattern)
        try AtomicFile.write(out, to: path)
    }

    public static func read(_ path: String, expectedHash: [UInt8]) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("checkpoint '\(path)' is missing or unreadable")
        }
        let bytes = [UInt8](data)
        var at = 0
        func fail(_ why: String) -> DataError { DataError("checkpoint '\(path)' \(why)", hint: "it is damaged or not a mimicc checkpoint; start a new run") }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw fail("is truncated") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            try take(MemoryLayout<T>.size).reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        func floats() throws -> [Float] {
            let count = try integer(UInt64.self)
            guard count < UInt64(bytes.count) else { throw fail("is truncated") }
            return try (0..<Int(count)).map { _ in Float(bitPattern: try integer(UInt32.self)) }
        }
        guard Array(try take(8)) == magic else { throw fail("has no MIMICCK1 magic") }
        let version = try integer(UInt32.self)
        guard (1...Self.version).contains(version) else {
            throw fail("has format version \(version); this mimicc reads versions 1 to \(Self.version)")
        }
        let hash = Array(try take(32))
        guard hash == expectedHash else {
            throw DataError("checkpoint '\(path)' belongs to a different spec (its hash differs)",
                            hint: "a run directory resumes only the spec it was started with; start a new run for a changed spec")
        }
        let epoch = Int(try integer(UInt32.self))
        let parameters = try floats(), optimizer = try floats(), state = try floats()
        let length = Int(try integer(UInt64.self))
        let schedule = try JSONDecoder().decode(LearningRateSchedule.self, from: Data(try take(length)))
        let best = Double(bitPattern: try integer(UInt64.self))
        let average = version >= 2 ? try floats() : []
        var position = Position.epochStart
        if version >= 3 {
            let steps = try integer(UInt64.self)
            guard steps < 1 << 40 else { throw fail("has an impossible step count") }
            position = Position(steps: Int(steps), lossSum: Double(bitPattern: try integer(UInt64.self)),
                                seconds: Double(bitPattern: try integer(UInt64.self)))
        }
        guard at == bytes.count else { throw fail("has trailing bytes") }
        return Checkpoint(specHash: hash, epoch: epoch, parameters: parameters, optimizer: optimizer, state: state,
                          schedule: schedule, bestAccuracy: best, average: average, position: position)
    }
}

import Foundation
import MimicBasics
import MimicData
import MimicSpec

/// A run's directory: `runs/<spec-name>/<timestamp>/` unless given. It holds the resolved
/// spec and its hash, provenance, `metrics.jsonl` (one line per epoch, appended and flushed),
/// the last and best checkpoints, a mid-epoch checkpoint while a run stopped by a signal
/// waits to be resumed, and, at the end, `result.json`. Every file is written atomically, so
/// a killed run or a full disk never leaves a half-written file.
public struct RunDirectory: Sendable {
    public let path: String

    public var specFile: String { path + "/spec.json" }
    public var hashFile: String { path + "/spec.sha256" }
    public var provenanceFile: String { path + "/provenance.json" }
    public var metricsFile: String { path + "/metrics.jsonl" }
    public var lastCheckpoint: String { path + "/checkpoint-last.bin" }
    public var bestCheckpoint: String { path + "/checkpoint-best.bin" }
    /// Written when a signal stops the run mid-epoch; removed when the next epoch ends.
    public var interruptedCheckpoint: String { path + "/checkpoint-interrupted.bin" }
    /// The best validation epoch's checkpoint or the last epoch's.
    public func checkpoint(_ which: TestedCheckpoint) -> String { which == .best ? bestCheckpoint : lastCheckpoint }
    public var resultFile: String { path + "/result.json" }

    public init(path: String) { self.path = path }

    /// A new directory under `runs/<name>/`, named by the UTC time (and a suffix if taken).
    public static func create(root: String = "runs", name: String) throws -> RunDirectory {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let stamp = formatter.string(from: Date())
        var candidate = "\(root)/\(name)/\(stamp)"
        var suffix = 1
        while FileManager.default.fileExists(atPath: candidate) {
            suffix += 1
            candidate = "\(root)/\(name)/\(stamp)-\(suffix)"
        }
        return try create(at: candidate)
    }

    /// Uses `path`, which must not already hold a run.
    public static func create(at path: String) throws -> RunDirectory {
        let directory = RunDirectory(path: path)
        if FileManager.default.fileExists(atPath: directory.hashFile) {
            throw DataError("'\(path)' already holds a run", hint: "resume it with --resume \(path), or choose another --out")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DataError("cannot create run directory '\(path)': \(error.localizedDescription)")
        }
        return directory
    }

    /// Adds a line to `metrics.jsonl` by writing the whole file again, atomically: a full disk
    /// or a kill leaves the previous lines, never half a line (the file is one line per epoch,
    /// a few kilobytes).
    public func appendMetrics(_ line: String) throws {
        var data = FileManager.default.contents(atPath: metricsFile) ?? Data()
        data.append(contentsOf: (line + "\n").utf8)
        try AtomicFile.write(data, to: metricsFile)
    }

    public func write(_ text: String, to file: String) throws {
        try AtomicFile.write(Data(text.utf8), to: file)
    }
}

import Foundation

/// Writes a file so that it is either absent or complete: to a temporary name in the same
/// directory, flushed, then renamed over the target. Every file mimicc writes for a user
/// (checkpoints, logits, run records, reports, imported data) goes through here.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(FileWriteError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw FileWriteError("cannot write '\(path)'", hint: "check that the directory exists and the disk is not full")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw FileWriteError("cannot write '\(path)': \(error.localizedDescription)", hint: "is the disk full?")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw FileWriteError("cannot move '\(temporary)' to '\(path)'")
        }
    }
}

/// A file that could not be written, with a hint that says what to do.
public typealias FileWriteError = HintedError

/// A problem in the user's files or environment that stops a command, with a hint that says
/// what to do next.
public struct HintedError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message)\nhint: \($0)" } ?? message }
}

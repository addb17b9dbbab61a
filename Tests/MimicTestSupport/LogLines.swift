import Foundation

/// Log lines collected from a run or a study's workers (several threads may log at once).
public final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    public func append(_ line: String) { lock.withLock { lines.append(line) } }
    public var all: [String] { lock.withLock { lines } }
    public var text: String { all.joined(separator: "\n") }
}

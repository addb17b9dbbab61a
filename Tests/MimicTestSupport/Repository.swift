/// MimicTestSupport holds what several test targets need: the repository's location,
/// tolerant comparisons of float arrays, random feeds for graphs, and the two generic graph
/// checks (finite differences, executor against reference). Only test targets depend on it.

import Foundation

public enum Repository {
    /// The repository root, found from this file's path, so tests run from any directory.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A path inside the repository.
    public static func path(_ relative: String) -> String { root + "/" + relative }
}

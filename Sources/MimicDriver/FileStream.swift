import Foundation

/// Standard output and error as the CLI uses them.
public enum FileStream {
    case standardOutput, standardError

    public func write(_ text: String) {
        guard !text.isEmpty else { return }
        let handle = self == .standardOutput ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal, to decide on source excerpts.
    public static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
}

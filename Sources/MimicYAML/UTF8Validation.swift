import MimicBasics

/// Finds the first byte sequence that is not valid UTF-8, so the error can name its line
/// and column; libyaml's own message for this gives only a byte offset.
enum UTF8Validation {
    /// The 1-based line and column (in characters) of the first invalid byte, or nil.
    static func firstInvalidByte(in bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
        var line = 1, column = 1, i = 0
        // A byte-order mark is not a character of the first line.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (line, column, b)
            }
            guard i + length <= bytes.count else { return (line, column, b) }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 {
                return (line, column, b)
            }
            if length == 3 || length == 4 {
                // Overlong forms, surrogates and code points above U+10FFFF.
                let second = bytes[i + 1]
                let invalid =
                    (b == 0xE0 && second < 0xA0) || (b == 0xED && second > 0x9F)
                    || (b == 0xF0 && second < 0x90) || (b == 0xF4 && second > 0x8F)
                if invalid { return (line, column, b) }
            }
            if b == 0x0A {
                line += 1
                column = 1
            } else if b == 0x0D {
                // CR LF counts as one line break; a lone CR is one too.
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                line += 1
                column = 1
            } else {
                column += 1
            }
            i += length
        }
        return nil
    }
}

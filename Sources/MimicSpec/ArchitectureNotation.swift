import MimicBasics

/// The paper's compact notation, e.g. `76c3^2-mp2-126c3^2-mp2-148c3^4-mp2-1200fc^2`
/// (grammar/architecture.ebnf). Blocks are separated by '-'; each is a layer with an
/// optional repeat count written `^N` or in Unicode superscripts (`c²`, `c⁴`).
public enum ArchitectureNotation {
    private static let superscripts: [Character: Int] = [
        "⁰": 0, "¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9,
    ]

    /// Parses `text`, whose first character sits at `start`. Every layer of a block gets the
    /// location of the block's first character; errors point at the offending token.
    public static func parse(_ text: String, at start: SourceLocation) -> (layers: [Layer], diagnostics: [Diagnostic]) {
        var layers: [Layer] = []
        var diagnostics: [Diagnostic] = []
        let characters = Array(text)
        guard !characters.isEmpty else {
            diagnostics.append(syntax("architecture is empty", at: start, hint: "write layers such as '64c5-mp2-500fc'"))
            return ([], diagnostics)
        }
        var blockStart = 0
        for index in 0...characters.count where index == characters.count || characters[index] == "-" {
            let block = Array(characters[blockStart..<index])
            if block.isEmpty {
                diagnostics.append(
                    syntax("expected a layer before '-'", at: start.advanced(by: blockStart),
                           hint: "blocks are separated by single '-'"))
            } else {
                switch parseBlock(block, at: start.advanced(by: blockStart)) {
                case .success(let parsed): layers += parsed
                case .failure(let error): diagnostics.append(error.diagnostic)
                }
            }
            blockStart = index + 1
        }
        return (layers, diagnostics)
    }

    private struct Failure: Error { var diagnostic: Diagnostic }

    private static func syntax(_ message: String, at location: SourceLocation, hint: String? = nil) -> Diagnostic {
        .error(.architectureSyntax, message, at: location, notes: hint.map { [DiagnosticNote($0)] } ?? [])
    }

    /// The most times one block may repeat: deeper than any network of the study by far, and
    /// small enough that a typo (`8c3^100000000`) is an error, not a graph of 10^8 layers.
    static let maxRepeats = 1000

    private static func parseBlock(_ block: [Character], at location: SourceLocation) -> Result<[Layer], Failure> {
        var cursor = 0
        func fail(_ message: String, _ hint: String? = nil) -> Result<[Layer], Failure> {
            .failure(Failure(diagnostic: syntax(message, at: location.advanced(by: cursor), hint: hint)))
        }
        // No size or repeat count is larger than 2^31 - 1: refused here, with its place,
        // before any arithmetic meets it.
        var run = 0
        for (i, character) in block.enumerated() {
            run = character.isASCII && character.isNumber || superscripts[character] != nil ? run + 1 : 0
            if run == 10, Int(String(block[(i - 9)...].prefix { $0.isASCII && $0.isNumber })) ?? .max > Int(Int32.max) {
                cursor = i - 9
                return fail("number too large: sizes and repeat counts are at most \(Int32.max)")
            }
        }
        func number() -> Int? {
            var digits = ""
            while cursor < block.count, block[cursor].isASCII, block[cursor].isNumber {
                digits.append(block[cursor])
                cursor += 1
            }
            return digits.isEmpty ? nil : Int(digits)
        }
        func take(_ word: String) -> Bool {
            let chars = Array(word)
            guard cursor + chars.count <= block.count, Array(block[cursor..<cursor + chars.count]) == chars
            else { return false }
            cursor += chars.count
            return true
        }

        // The layer itself.
        var layer: Layer
        if take("mp") {
            let sizeStart = cursor
            let size = number() ?? 2
            if size < 1 {
                cursor = sizeStart
                return fail("pool size must be at least 1")
            }
            layer = .maxpool(MaxPool(size: size, location: location))
        } else {
            let widthStart = cursor
            let width: Width
            if take("dep") {
                width = .dependent
            } else if let n = number() {
                guard n >= 1 else {
                    cursor = widthStart
                    return fail("layer width must be at least 1")
                }
                width = .fixed(n)
            } else {
                let word = String(block[cursor...].prefix { $0.isLetter })
                let hint = ["c", "fc", "lfc"].contains(word)
                    ? "'\(word)' needs a width in front, e.g. '64\(word)' or 'dep\(word)'"
                    : "layers are '<width>c[kernel]', 'mp[size]', '<width>fc' or '<width>lfc'"
                return fail("expected a layer width or 'mp', found '\(block[cursor])'", hint)
            }
            if take("lfc") {
                layer = .linear(Linear(units: width, location: location))
            } else if take("fc") {
                layer = .dense(Dense(units: width, location: location))
            } else if take("c") {
                let kernelStart = cursor
                let kernel = number() ?? 3
                if kernel < 1 {
                    cursor = kernelStart
                    return fail("kernel size must be at least 1")
                }
                layer = .conv(Conv(filters: width, kernel: kernel, location: location,
                                   kernelLocation: location.advanced(by: kernelStart)))
            } else {
                let word = String(block[cursor...].prefix { $0.isLetter })
                guard !word.isEmpty else {
                    return fail("expected a layer kind after the width", "add 'c' (conv), 'fc' (dense) or 'lfc' (linear)")
                }
                let hint = Suggestion.note(for: word, in: ["c", "fc", "lfc", "mp"]).message
                return fail("unknown layer kind '\(word)'", hint)
            }
        }

        // An optional repeat count.
        var repeats = 1
        if cursor < block.count {
            let repeatStart = cursor
            if take("^") {
                guard let n = number() else { return fail("expected a repeat count after '^'") }
                repeats = n
            } else if superscripts[block[cursor]] != nil {
                var n = 0
                while cursor < block.count, let digit = superscripts[block[cursor]] {
                    n = n * 10 + digit
                    cursor += 1
                }
                repeats = n
            }
            if repeats < 1 || repeats > maxRepeats {
                cursor = repeatStart
                return fail(repeats < 1 ? "repeat count must be at least 1" : "repeat count must be at most \(maxRepeats)")
            }
        }
        if cursor < block.count {
            return fail("unexpected '\(block[cursor])' in layer", "write one layer per block, separated by '-'")
        }
        return .success(Array(repeating: layer, count: repeats))
    }
}

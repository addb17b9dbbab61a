import Foundation
import MimicBasics

/// Diagnostics a fixture declares in its comments, in the style of Swift's `-verify`:
///
///     - conv: {filter: 64}  # expected-error:14 [MC020] {{unknown key 'filter'}}
///
/// `expected-KIND[@LINE]:COL [CODE] {{text}}` where KIND is error, warning or note, LINE is
/// `+N`/`-N` relative to the comment's line or `PATH:N` for another file (relative to the
/// fixture's directory), COL is the 1-based column, CODE is required for errors and warnings,
/// and text must occur in the message. Every error and warning must be declared; notes are
/// checked when declared.
struct ExpectedDiagnostic: Equatable, CustomStringConvertible {
    var severity: Severity
    var file: String
    var line: Int
    var column: Int
    var code: DiagnosticCode?
    var text: String

    var description: String {
        "\(file):\(line):\(column): \(severity.rawValue) [\(code?.rawValue ?? "-")] {{\(text)}}"
    }

    static func parse(fixture path: String) throws -> [ExpectedDiagnostic] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Fixtures may hold invalid UTF-8 on purpose; annotations are ASCII.
        let text = String(decoding: data, as: UTF8.self)
        let directory = (path as NSString).deletingLastPathComponent
        let pattern = try NSRegularExpression(
            pattern: #"expected-(error|warning|note)(?:@(?:([+-]\d+)|([^:\s]+):(\d+)))?:(\d+)(?: \[(MC\d+)\])? \{\{(.*?)\}\}"#)
        var result: [ExpectedDiagnostic] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let string = String(line)
            let range = NSRange(string.startIndex..., in: string)
            for match in pattern.matches(in: string, range: range) {
                func group(_ i: Int) -> String? {
                    Range(match.range(at: i), in: string).map { String(string[$0]) }
                }
                var file = path
                var lineNumber = index + 1
                if let offset = group(2) { lineNumber += Int(offset)! }
                if let other = group(3), let number = group(4) {
                    file = directory + "/" + other
                    lineNumber = Int(number)!
                }
                result.append(ExpectedDiagnostic(
                    severity: Severity(rawValue: group(1)!)!, file: file, line: lineNumber,
                    column: Int(group(5)!)!, code: group(6).flatMap(DiagnosticCode.init(rawValue:)),
                    text: group(7)!))
            }
        }
        return result
    }

    func matches(_ d: Diagnostic) -> Bool {
        d.severity == severity && d.location?.file == file && d.location?.line == line
            && d.location?.column == column && d.code == code && d.message.contains(text)
    }

    func matches(_ note: DiagnosticNote, of d: Diagnostic) -> Bool {
        let location = note.location ?? d.location
        return severity == .note && location?.file == file && location?.line == line && location?.column == column
            && note.message.contains(text)
    }
}

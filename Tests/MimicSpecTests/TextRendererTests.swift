import Foundation
import MimicBasics
import MimicDriver
import XCTest

/// On a terminal, each diagnostic shows its source line and a caret under the column.
final class TextRendererTests: XCTestCase {
    func testExcerptShowsSourceLineAndCaret() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("caret-\(getpid()).yaml").path
        try "mimicc: 1\nmodel:\n  layers:\n    - conv: {filter: 64}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let report = Linter.lint([file])
        let text = LintRenderer.render(report, as: .text, excerpts: true).stderr
        XCTAssertEqual(text, """
            \(file):4:14: error: unknown key 'filter' in 'conv' [MC020]
             4 |     - conv: {filter: 64}
               |              ^
            \(file):4:14: note: did you mean 'filters'?
            1 error and 0 warnings in 1 file

            """)
    }
}

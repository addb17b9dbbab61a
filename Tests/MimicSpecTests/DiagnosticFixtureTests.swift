import Foundation
import MimicBasics
import MimicDriver
import MimicSpec
import XCTest

/// Runs every fixture under Fixtures/diagnostics through the whole lint pipeline and
/// checks the diagnostics declared in its comments: line, column, code and message.
final class DiagnosticFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/diagnostics").path

    static func fixtures() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }

    func testEveryFixtureProducesExactlyItsDeclaredDiagnostics() throws {
        let fixtures = try Self.fixtures()
        XCTAssertGreaterThan(fixtures.count, 20)
        for fixture in fixtures {
            let expected = try ExpectedDiagnostic.parse(fixture: fixture)
            XCTAssertFalse(expected.isEmpty, "\(fixture) declares no diagnostics")
            let report = Linter.lint([fixture])
            XCTAssertEqual(report.unreadable, [], fixture)
            let name = (fixture as NSString).lastPathComponent
            for want in expected where want.severity != .note {
                XCTAssertTrue(report.diagnostics.contains { want.matches($0) },
                              "\(name): missing \(want)\n got: \(render(report.diagnostics))")
            }
            for want in expected where want.severity == .note {
                XCTAssertTrue(report.diagnostics.contains { d in d.notes.contains { want.matches($0, of: d) } },
                              "\(name): missing \(want)\n got: \(render(report.diagnostics))")
            }
            for got in report.diagnostics where !expected.contains(where: { $0.matches(got) }) {
                XCTFail("\(name): unexpected \(render([got]))")
            }
        }
    }

    /// Each code has a fixture named after it, which also serves as its documented example.
    func testEveryDiagnosticCodeHasAFixture() throws {
        let names = try Self.fixtures().map { ($0 as NSString).lastPathComponent }
        // MC008 needs a file over 4 MiB (YAMLReaderTests and the CLI tests build one); MC035
        // comes from compiling, not linting (CompileCLITests).
        for code in DiagnosticCode.allCases where code != .fileTooLarge && code != .abstractSpec {
            XCTAssertTrue(names.contains { $0.hasPrefix(code.rawValue + "-") }, "no fixture for \(code.rawValue)")
        }
    }

    func testEveryDiagnosticCodeIsDocumented() throws {
        let doc = try String(contentsOfFile: SpecRoundTripTests.repository + "/grammar/diagnostics.md", encoding: .utf8)
        for code in DiagnosticCode.allCases {
            XCTAssertTrue(doc.contains("\n## \(code.rawValue)\n"), "grammar/diagnostics.md lacks \(code.rawValue)")
            XCTAssertTrue(doc.contains("`\(code.name)`"), "grammar/diagnostics.md lacks \(code.name)")
        }
    }

    private func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { d in
            "\n  \(d.location.map(String.init(describing:)) ?? "-"): \(d.severity.rawValue) [\(d.code.rawValue)] \(d.message)"
                + d.notes.map { "\n    note \($0.location.map(String.init(describing:)) ?? "-"): \($0.message)" }.joined()
        }.joined()
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import MimicStudy
import MimicStore

final class ReportTests: XCTestCase {
    /// The fixture study run with the function executor: known accuracies in every cell.
    func report(published: PublishedNumbers? = nil, skip: Set<String> = []) throws -> (StudyReport, [TrialRecord]) {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        var plan = try fixture.plan()
        plan.experiments.removeAll { skip.contains($0.name) }
        let db = fixture.root + "/r.sqlite"
        var runner = StudyRunner(storePath: db, runsDirectory: fixture.root + "/runs")
        runner.jobs = 1
        _ = try runner.run(plan, executor: FunctionExecutor(failing: ["cnn-b#0"]), log: { _ in })
        let trials = try ResultsStore(path: db).allTrials()
        return (StudyReport.make(plan: try fixture.plan(), trials: trials, published: published), trials)
    }

    func testCellsRankByValidationAndReportTestAccuracies() throws {
        let (report, trials) = try report()
        XCTAssertEqual(report.families, ["CNN-1", "MLP-1"])
        XCTAssertEqual(report.budgets, [20_000, 30_000])
        let cell = try XCTUnwrap(report.cell("CNN-1", "student", 20_000))
        let mine = trials.filter { $0.name == "cnn-a" && $0.status == .done }
            .sorted { $0.validationAccuracy! > $1.validationAccuracy! }
        XCTAssertEqual(cell.ranked, mine.prefix(2).map { $0.testAccuracy! })
        XCTAssertEqual(cell.best, mine[0].testAccuracy)
        XCTAssertEqual(cell.meanOfTop!, (mine[0].testAccuracy! + mine[1].testAccuracy!) / 2, accuracy: 1e-12)
        XCTAssertEqual(cell.lastOfTop, mine[1].testAccuracy)
        XCTAssertEqual(report.cell("CNN-1", "student", 30_000)?.failed, 1)
        XCTAssertEqual(report.cell("CNN-1", "student", 30_000)?.isComplete, true, "a failed trial has ended too")
        XCTAssertEqual(report.cell("MLP-1", "baseline", 20_000)?.top, 1)
        XCTAssertEqual(report.cell("MLP-1", "baseline", 20_000)?.ranked.count, 1)
        XCTAssertTrue(report.missing.isEmpty)

        let markdown = ReportTables.markdown(report)
        XCTAssertTrue(markdown.contains("| Student | 20k | 30k |"), markdown)
        XCTAssertTrue(markdown.contains("| CNN-1 | \(String(format: "%.2f", 100 * cell.best!)) |"), markdown)
        let csv = ReportTables.csv(report).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + report.cells.count)
        XCTAssertTrue(csv.contains { $0.hasPrefix("CNN-1,student,20000,") && $0.contains(",5,5,0,2,\(String(format: "%.2f", 100 * cell.best!)),") },
                      "\(csv)")
    }

    /// The gap is the best CNN minus the best MLP student at each budget where both finished;
    /// baselines do not count, and a budget with one kind only has none.
    func testTheConvolutionalGapIsTheBestCNNMinusTheBestMLP() throws {
        let (report, _) = try report()
        let gaps = ConvolutionalGap.of(report)
        XCTAssertEqual(gaps.map(\.budget), [20_000], "at 30k only CNN-1 trained")
        let cnn = try XCTUnwrap(report.cell("CNN-1", "student", 20_000)?.best)
        let mlp = try XCTUnwrap(report.cell("MLP-1", "student", 20_000)?.best)
        XCTAssertEqual(gaps[0].cnn.family, "CNN-1")
        XCTAssertEqual(gaps[0].mlp.best, mlp)
        XCTAssertEqual(gaps[0].points, 100 * (cnn - mlp), accuracy: 1e-9)
        let row = "| 20k | MLP-1 \(String(format: "%.2f", 100 * mlp)) | CNN-1 \(String(format: "%.2f", 100 * cnn)) | "
            + String(format: "%+.2f", 100 * (cnn - mlp)) + " |"
        XCTAssertTrue(ReportTables.markdown(report).contains(row), ReportTables.markdown(report))
        XCTAssertTrue(ReportHTML.render(report, title: "t", svg: "").contains("<h2>Deep and convolutional? The gap"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ReportTables.json(report, title: "t").utf8)) as? [String: Any])
        let first = try XCTUnwrap((json["gaps"] as? [[String: Any]])?.first)
        XCTAssertEqual(try XCTUnwrap(first["cnn_best"] as? Double), cnn, accuracy: 1e-12)
        XCTAssertEqual(first["mlp"] as? String, "MLP-1")
        // Without MLPs there is no gap, and no section.
        let (cnnOnly, _) = try self.report(skip: ["mlp-a"])
        XCTAssertEqual(ConvolutionalGap.of(cnnOnly), [])
        XCTAssertFalse(ReportTables.markdown(cnnOnly).contains("The gap"))
    }

    /// Rows follow the budget's size, not the file names (cnn-aa, at 120k, sorts between
    /// cnn-a at 20k and cnn-b at 30k).
    func testRowsAreInBudgetOrder() throws {
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        try fixture.write("cnn-aa.yaml", """
            mimicc: 1
            extends: base.yaml
            study: {family: CNN-1}
            model:
              architecture: "8c5-mp4-depfc"
              budget: {params: 120k, tolerance: 10%}
            """)
        let plan = try fixture.plan()
        XCTAssertEqual(plan.experiments.map(\.name), ["cnn-a", "cnn-aa", "cnn-b", "mlp-a", "plain"])
        var runner = StudyRunner(storePath: fixture.root + "/r.sqlite", runsDirectory: fixture.root + "/runs")
        runner.jobs = 1
        _ = try runner.run(plan, executor: FunctionExecutor(), log: { _ in })
        let report = StudyReport.make(plan: plan, trials: try ResultsStore(path: fixture.root + "/r.sqlite").allTrials(), published: nil)
        XCTAssertEqual(report.cells.map { "\($0.family) \($0.role) \($0.budget ?? 0)" },
                       ["CNN-1 student 20000", "CNN-1 student 30000", "CNN-1 student 120000", "MLP-1 student 20000",
                        "MLP-1 baseline 20000"])
        XCTAssertEqual(report.budgets, [20_000, 30_000, 120_000])
        let markdown = ReportTables.markdown(report)
        XCTAssertTrue(markdown.contains("| Student | 20k | 30k | 120k |"), markdown)
        XCTAssertTrue(markdown.contains("best can be below the mean of the top"), markdown)
        // The HTML explains the ranking too, and flags a cell whose search is not finished.
        let big = try XCTUnwrap(plan.experiments.first { $0.name == "cnn-aa" })
        let partial = StudyReport.make(
            plan: plan, trials: try ResultsStore(path: fixture.root + "/r.sqlite").allTrials().filter { $0.experiment != big.hash || $0.trial < 3 },
            published: nil)
        let html = ReportHTML.render(partial, title: "t", svg: "")
        XCTAssertTrue(html.contains("best can be below the mean of the top"), html)
        XCTAssertTrue(html.contains("<td class=\"partial\">3/0/5*</td>"), html)
        XCTAssertTrue(html.contains("* the cell's search is not finished"), html)
        XCTAssertFalse(ReportHTML.render(report, title: "t", svg: "").contains("class=\"partial\">"), "no flag when every search is done")
    }

    /// With successive halving the finalist ranks first even if a trial stopped at a lower
    /// rung had a higher validation accuracy there (a learning curve can start steep).
    func testMultiFidelityTrialsRankByTheRungTheyReached() throws {
        let (report, trials) = try report()
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        let plan = try fixture.plan()
        let cnnA = try XCTUnwrap(plan.experiments.first { $0.name == "cnn-a" })
        var records = trials.filter { $0.experiment == cnnA.hash }
        for i in records.indices {
            records[i].rungScores = [1: records[i].validationAccuracy!]
            records[i].validationAccuracy = 0.9 - 0.01 * Double(i)
        }
        records[3].rungScores[4] = 0.5
        records[3].validationAccuracy = 0.5
        let ranked = StudyReport.make(plan: plan, trials: records, published: nil)
        XCTAssertEqual(ranked.cell("CNN-1", "student", 20_000)?.ranked.first, records[3].testAccuracy, "the finalist first")
        XCTAssertEqual(ranked.cell("CNN-1", "student", 20_000)?.ranked.dropFirst().first, records[0].testAccuracy,
                       "then the best of the lower rung")
        XCTAssertNotNil(report.cell("CNN-1", "student", 20_000))
    }

    func testMissingCellsAreNamedAndPublishedNumbersAppearBesideOurs() throws {
        let published = PublishedNumbers(rows: [.init(family: "CNN-1", role: "student", budget: 20_000, best: 87.9, mean: 87.8, last: nil)],
                                         source: "paper.csv")
        let (report, _) = try report(published: published, skip: ["mlp-a"])
        XCTAssertEqual(report.missing.map(\.family), ["MLP-1"])
        let markdown = ReportTables.markdown(report)
        XCTAssertTrue(markdown.contains("(87.9)"), markdown)
        XCTAssertTrue(markdown.contains("Missing (no finished trial): MLP-1 student at 20k"), markdown)
        XCTAssertTrue(markdown.contains("| MLP-1 | missing | – |"), markdown)
    }

    func testFigureIsValidSVGWithOneLinePerFamily() throws {
        let published = PublishedNumbers(rows: [.init(family: "CNN-1", role: "student", budget: 20_000, best: 87.9, mean: 87.8, last: nil)],
                                         source: "paper.csv")
        let (report, _) = try report(published: published)
        let svg = FigureSVG.render(report, title: "A <test> & figure")
        final class Collector: NSObject, XMLParserDelegate {
            var families: [String] = []
            var polylines: [String: Int] = [:]
            var baselines = 0
            var current: String?
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == "g", attributes["class"] == "family" {
                    current = attributes["data-family"]
                    families.append(current ?? "")
                }
                if name == "polyline", let c = current { polylines[c, default: 0] += 1 }
                if name == "line", attributes["class"] == "baseline" { baselines += 1 }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "g" { current = nil }
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(collector.families, ["CNN-1", "MLP-1"], "one group per student family")
        // Mean, best and last of the top, and the published line where there is one.
        XCTAssertEqual(collector.polylines["CNN-1"], 4)
        XCTAssertEqual(collector.polylines["MLP-1"], 3)
        XCTAssertEqual(collector.baselines, 1)
        XCTAssertTrue(svg.contains("A &lt;test&gt; &amp; figure"))
        let html = ReportHTML.render(report, title: "t", svg: svg)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains(svg))
        XCTAssertFalse(html.contains("<script"), "the report is self-contained and static")
        XCTAssertTrue(svg.contains(">best, last of top</text>"), "the legend names the lines drawn")

        // One budget: marks only, each family's beside the other's, and a legend without lines.
        let fixture = try StudyFixture()
        defer { fixture.remove() }
        var plan = try fixture.plan()
        plan.experiments.removeAll { $0.name == "cnn-b" }
        var runner = StudyRunner(storePath: fixture.root + "/r.sqlite", runsDirectory: fixture.root + "/runs")
        runner.jobs = 1
        _ = try runner.run(plan, executor: FunctionExecutor(), log: { _ in })
        let single = StudyReport.make(plan: plan, trials: try ResultsStore(path: fixture.root + "/r.sqlite").allTrials(), published: nil)
        XCTAssertEqual(single.budgets, [20_000])
        let one = FigureSVG.render(single, title: "one budget")
        let parser1 = XMLParser(data: Data(one.utf8))
        XCTAssertTrue(parser1.parse())
        XCTAssertFalse(one.contains("<polyline"), "nothing to join with one budget")
        XCTAssertFalse(one.contains(">best, last of top</text>"))
        for mark in ["mean of top", "best", "last of top"] { XCTAssertTrue(one.contains(">\(mark)</text>"), mark) }
        let centres = one.components(separatedBy: "<circle class=\"mean\" cx=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        XCTAssertEqual(centres.count, 2)
        XCTAssertNotEqual(centres.first, centres.last, "the two families' marks are side by side, not on top of each other")
    }

    func testPublishedNumbersReportTheLineOfABadRow() {
        let path = NSTemporaryDirectory() + "published-\(UUID().uuidString).csv"
        try? "family,role,budget,best,mean,last\nCNN-1,student,1M,eighty,,\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try PublishedNumbers.read(path)) { error in
            XCTAssertEqual("\(error)", "\(path):2: best 'eighty' is not a number")
        }
    }
}

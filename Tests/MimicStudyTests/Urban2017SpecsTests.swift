import XCTest
@testable import MimicStudy
import MimicSema
import MimicSpec

/// specs/urban2017 is the paper's study: these tests hold it to Tables 1-3.
final class Urban2017SpecsTests: XCTestCase {
    func plan() throws -> StudyPlan {
        switch StudyPlan.make(directory: "specs/urban2017", strict: true) {
        case .success(let plan): return plan
        case .failure(let f): throw StudyError("specs/urban2017 does not lint: \(f.report.diagnostics.map(\.message))")
        }
    }

    func testTheDirectoryCoversEveryRowAndColumnOfTables1And2() throws {
        let plan = try plan()
        var students: Set<String> = []
        for e in plan.experiments where e.role == .student { students.insert("\(e.family)@\(Budget.label(e.budget ?? 0))") }
        var expected: Set<String> = []
        for family in ["MLP-1", "MLP-2", "MLP-3", "MLP-4", "MLP-5", "CNN-1", "CNN-2", "CNN-3", "CNN-4"] {
            for budget in ["1M", "3.16M", "10M", "31.6M"] { expected.insert("\(family)@\(budget)") }
        }
        XCTAssertEqual(students, expected)
        let baselines = Set(plan.experiments.filter { $0.role == .baseline }.map { "\($0.family)@\(Budget.label($0.budget ?? 0))" })
        XCTAssertEqual(baselines, ["CNN-1@10M", "CNN-2@10M", "CNN-3@10M", "CNN-4@10M", "MLP-1@10M"])
        XCTAssertEqual(plan.experiments.filter { $0.role == .teacher }.map(\.analysis.params), [5_339_350])
        // Every published number has its experiment.
        let published = try PublishedNumbers.read("specs/urban2017/published.csv")
        XCTAssertEqual(published.rows.count, 42)
        for row in published.rows {
            XCTAssertTrue(plan.experiments.contains { $0.family == row.family && $0.role.rawValue == row.role && $0.budget == row.budget },
                          "\(row.family) \(row.role) \(row.budget.map { Budget.label($0) } ?? "-")")
        }
        // Students mimic, baselines learn the labels; all search with Bayesian optimisation.
        for e in plan.experiments {
            XCTAssertEqual(e.spec.search?.method, .bayes, e.name)
            XCTAssertEqual(e.spec.train?.loss == .mimic, e.role == .student, e.name)
        }
    }

    /// Every corner of every spec's width ranges (all searched integers at either end) still
    /// meets the budget: no trial of the study can fail for want of a dependent width.
    func testEveryCornerOfEveryWidthRangeMeetsItsBudget() throws {
        var corners = 0
        for e in try plan().experiments {
            let widths = (e.spec.search?.space ?? []).compactMap { d -> (String, Int, Int)? in
                if case .int(let lo, let hi) = d.distribution { return (d.path, lo, hi) }
                return nil
            }
            for mask in 0..<(1 << widths.count) {
                let assignments = widths.enumerated().map { i, w in
                    Assignment(path: w.0, value: .int(mask & (1 << i) != 0 ? w.2 : w.1))
                }
                switch StudyRunner.trialSpec(e, assignments, seed: 7) {
                case .failure(let error): XCTFail("\(e.name) at \(assignments.map { "\($0.path)=\($0.value)" }): \(error)")
                case .success(let (_, analysis)):
                    if let budget = e.budget {
                        XCTAssertLessThanOrEqual(abs(Double(analysis.params - budget)) / Double(budget), 0.01, e.name)
                    }
                }
                corners += 1
            }
        }
        XCTAssertGreaterThan(corners, 150)
    }
}

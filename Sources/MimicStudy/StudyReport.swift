import Foundation
import MimicDriver
import MimicSpec
import MimicStore

/// The results of a study, cell by cell: for each family and budget, the finished trials
/// ranked by validation accuracy (the search's objective; with successive halving, by the
/// rung reached first) and the test accuracies of the best `top` of them, as Figure 1 of the paper plots them (best, mean of the top, and the
/// last of the top; Table 2 shows the best).
public struct StudyReport: Sendable {
    public struct Cell: Sendable, Equatable {
        public var family: String
        public var role: String
        /// nil for specs without a budget (the teacher).
        public var budget: Int?
        public var finished: Int
        public var failed: Int
        public var planned: Int
        /// How many ranked trials the cell summarises (the search's `report.top`).
        public var top: Int
        /// Test accuracies of the best trials by validation accuracy, best first.
        public var ranked: [Double]
        /// Mean parameter count of the ranked trials.
        public var params: Double
        /// The run directory of the best trial (what `mimicc export` and `mimicc logits` take).
        public var bestRun: String? = nil

        public var best: Double? { ranked.first }
        public var meanOfTop: Double? { ranked.isEmpty ? nil : ranked.reduce(0, +) / Double(ranked.count) }
        /// The last of the top trials, when the cell has that many.
        public var lastOfTop: Double? { ranked.count >= top ? ranked.last : nil }
        /// Every planned trial has ended (failed ones included).
        public var isComplete: Bool { finished + failed >= planned }
        /// "CNN-1 student at 1M", as lists of cells name them.
        public var label: String { "\(family) \(role)\(budget.map { " at " + Budget.label($0) } ?? "")" }
    }

    public var cells: [Cell]
    /// Families in report order (students, then baselines, then the teacher).
    public var families: [String]
    public var budgets: [Int]
    public var published: PublishedNumbers?

    public func cell(_ family: String, _ role: String, _ budget: Int?) -> Cell? {
        cells.first { $0.family == family && $0.role == role && $0.budget == budget }
    }

    /// Cells of the plan that have no finished trial yet.
    public var missing: [Cell] { cells.filter { $0.ranked.isEmpty } }

    /// Builds the report from the plan (which says what should exist) and the store's trials.
    /// `teachers` (the study's `<results>/teachers`) adds a teacher row for every trained
    /// teacher the students mimic: the ensemble's test accuracy from its `teacher.json`.
    public static func make(plan: StudyPlan, trials: [TrialRecord], published: PublishedNumbers?,
                            teachers: String? = nil) -> StudyReport {
        struct Key: Hashable { var family: String, role: String, budget: Int? }
        var planned: [Key: (trials: Int, top: Int, hashes: Set<String>)] = [:]
        var order: [Key] = []
        for e in plan.experiments {
            let key = Key(family: e.family, role: e.role.rawValue, budget: e.budget)
            if planned[key] == nil { order.append(key) }
            var entry = planned[key] ?? (0, 0, [])
            entry.trials += e.trials
            entry.top = max(entry.top, min(e.spec.search?.top ?? 1, e.trials))
            entry.hashes.insert(e.hash)
            planned[key] = entry
        }
        var cells: [Cell] = []
        for key in order {
            let entry = planned[key]!
            let mine = trials.filter { entry.hashes.contains($0.experiment) }
            let done = mine.filter { $0.status == .done && $0.validationAccuracy != nil && $0.testAccuracy != nil }
            // A multi-fidelity search's answer is what survived its rungs: trials rank by the
            // highest rung they reached, then by validation accuracy.
            func rung(_ r: TrialRecord) -> Int { r.rungScores.keys.max() ?? 0 }
            let best = done.sorted {
                (rung($0), $0.validationAccuracy!, -$0.trial) > (rung($1), $1.validationAccuracy!, -$1.trial)
            }.prefix(entry.top)
            let params = best.isEmpty ? 0 : best.reduce(0.0) { $0 + Double($1.params ?? 0) } / Double(best.count)
            cells.append(Cell(family: key.family, role: key.role, budget: key.budget, finished: done.count,
                              failed: mine.count { $0.status == .failed }, planned: entry.trials, top: entry.top,
                              ranked: best.map { $0.testAccuracy! }, params: params, bestRun: best.first?.runDirectory))
        }
        if let teachers { cells += trainedTeachers(plan, root: teachers) }
        let roleOrder = ["student": 0, "baseline": 1, "teacher": 2]
        var families: [String] = []
        let preferred = published?.families ?? []
        let keys = order + cells.filter { $0.role == "teacher" && !order.contains(Key(family: $0.family, role: $0.role, budget: $0.budget)) }
            .map { Key(family: $0.family, role: $0.role, budget: $0.budget) }
        for family in (preferred + keys.sorted { (roleOrder[$0.role] ?? 3, $0.family) < (roleOrder[$1.role] ?? 3, $1.family) }
            .map(\.family)) where !families.contains(family) && cells.contains(where: { $0.family == family }) {
            families.append(family)
        }
        // Rows as a reader expects them: students, baselines, the teacher; families in report
        // order; budgets by size (not by file name, which puts 120k before 30k).
        cells.sort { a, b in
            let ka = (roleOrder[a.role] ?? 3, families.firstIndex(of: a.family) ?? Int.max, a.budget ?? -1)
            let kb = (roleOrder[b.role] ?? 3, families.firstIndex(of: b.family) ?? Int.max, b.budget ?? -1)
            return ka < kb
        }
        // The columns are the students' budgets (a baseline's budget is one of them in the paper).
        let studentBudgets = cells.filter { $0.role == "student" }.compactMap(\.budget)
        let budgets = Array(Set(studentBudgets.isEmpty ? cells.compactMap(\.budget) : studentBudgets)).sorted()
        return StudyReport(cells: cells, families: families, budgets: budgets, published: published)
    }

    /// One cell per distinct trained teacher of the plan's students: "<teacher> x<members>",
    /// role teacher, its ensemble's test accuracy once exported (missing until then).
    static func trainedTeachers(_ plan: StudyPlan, root: String) -> [Cell] {
        plan.trainedTeachers.map { teacher in
            let name = "Teacher: " + ((teacher.file as NSString).lastPathComponent as NSString).deletingPathExtension + " x\(teacher.members)"
            let accuracy = (try? TeacherCache.cached(teacher.file, members: teacher.members, root: root))??.ensembleTestAccuracy
            return Cell(family: name, role: "teacher", budget: nil, finished: accuracy == nil ? 0 : 1, failed: 0, planned: 1,
                        top: 1, ranked: accuracy.map { [$0] } ?? [], params: 0)
        }
    }
}

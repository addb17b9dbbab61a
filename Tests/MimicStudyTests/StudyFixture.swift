import Foundation
import MimicTestSupport
import XCTest
@testable import MimicStudy
import MimicStore

/// A small study written to a temporary directory: four experiments on the synthetic data,
/// searched with Bayesian optimisation, plus a spec without a search.
struct StudyFixture {
    let root: String
    var directory: String { root + "/study" }

    init(trials: Int = 5) throws {
        root = NSTemporaryDirectory() + "mimicc-study-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/study", withIntermediateDirectories: true)
        var study = SyntheticStudy()
        study.trials = trials
        study.experiments = [
            .init("cnn-a", family: "CNN-1", architecture: "8c5-mp4-depfc"),
            .init("cnn-b", family: "CNN-1", architecture: "6c5-mp4-depfc", budget: "30k"),
            .init("mlp-a", family: "MLP-1", architecture: "depfc"),
        ]
        study.plainBaseline = true
        try study.write(into: directory)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func plan() throws -> StudyPlan {
        switch StudyPlan.make(directory: directory) {
        case .success(let plan): return plan
        case .failure(let f): throw StudyError("plan failed: \(f.report.diagnostics.map(\.message))")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

/// Stands in for training: the "validation accuracy" is a smooth function of the learning
/// rate, and chosen trials fail or are interrupted.
struct FunctionExecutor: TrialExecutor {
    var failing: Set<String> = []
    var interruptAt: String?

    func execute(_ job: TrialJob, log: @escaping @Sendable (String) -> Void) -> TrialOutcome {
        let key = "\(job.experiment.name)#\(job.index)"
        if key == interruptAt { return .interrupted("stopped by the test") }
        if failing.contains(key) { return .failed("diverged (test)") }
        var lr = 0.02
        if case .sgd(let rate, _, _, _)? = job.spec.train?.optimizer { lr = rate }
        let score = 0.9 - pow(log10(lr) - log10(0.015), 2) - 0.00001 * Double(job.analysis.params % 97)
        return .finished(validation: score, test: score - 0.01, params: job.analysis.params, epochs: 1, seconds: 0.5, complete: true)
    }
}

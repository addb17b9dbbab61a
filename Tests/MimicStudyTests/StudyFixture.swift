import Foundation
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
        try write("base.yaml", """
            mimicc: 1
            abstract: true
            data: {dataset: synthetic, train: 256, validation: 128, seed: 3}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.02, momentum: 0.9, nesterov: true}}
              batch: 64
              epochs: 1
              seed: 1
            search:
              method: bayes
              trials: \(trials)
              report: {top: 2}
              space:
                train.optimizer.sgd.lr: {log-uniform: [0.005, 0.05]}
            """)
        for (name, family, arch) in [("cnn-a", "CNN-1", "8c5-mp4-depfc"), ("cnn-b", "CNN-1", "6c5-mp4-depfc"),
                                      ("mlp-a", "MLP-1", "depfc")] {
            let budget = name == "cnn-b" ? "30k" : "20k"
            try write("\(name).yaml", """
                mimicc: 1
                extends: base.yaml
                study: {family: \(family)}
                model:
                  architecture: "\(arch)"
                  budget: {params: \(budget), tolerance: 10%}
                """)
        }
        try write("plain.yaml", """
            mimicc: 1
            study: {family: MLP-1, role: baseline}
            model:
              architecture: "depfc"
              budget: {params: 20k, tolerance: 10%}
            data: {dataset: synthetic, train: 256, validation: 128, seed: 3}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.02}}
              epochs: 1
            """)
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
        return .finished(validation: score, test: score - 0.01, params: job.analysis.params, epochs: 1, seconds: 0.5)
    }
}

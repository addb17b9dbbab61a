import Foundation

/// A small study on the built-in synthetic data, written as spec files: an abstract base
/// with a search over the learning rate, experiments that extend it, and optionally a spec
/// without a search and a published.csv. The study tests and the CLI's share it.
public struct SyntheticStudy {
    public struct Experiment {
        public var name: String, family: String, architecture: String, budget: String

        public init(_ name: String, family: String, architecture: String, budget: String = "20k") {
            (self.name, self.family, self.architecture, self.budget) = (name, family, architecture, budget)
        }
    }

    public var method = "bayes"
    public var trials = 5
    public var top = 2
    public var learningRates = (0.005, 0.05)
    public var train = 256, validation = 128, dataSeed = 3
    public var batch = 64, epochs = 1, seed = 1
    public var experiments: [Experiment] = []
    /// More lines of the base spec's `search` block (`fidelity: {min-epochs: 1}`, say).
    public var searchLines: [String] = []
    /// A spec of its own (no `extends`, no search), role `baseline`.
    public var plainBaseline = false
    /// The contents of published.csv, if any.
    public var published: String?

    public init() {}

    /// Writes the study's files into `directory` (which must exist).
    public func write(into directory: String) throws {
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        try write("base.yaml", """
            mimicc: 1
            abstract: true
            data: {dataset: synthetic, train: \(train), validation: \(validation), seed: \(dataSeed)}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.02, momentum: 0.9, nesterov: true}}
              batch: \(batch)
              epochs: \(epochs)
              seed: \(seed)
            search:
              method: \(method)
              trials: \(trials)
              report: {top: \(top)}
              space:
                train.optimizer.sgd.lr: {log-uniform: [\(learningRates.0), \(learningRates.1)]}
            """ + searchLines.map { "\n  " + $0 }.joined())
        for e in experiments {
            try write("\(e.name).yaml", """
                mimicc: 1
                extends: base.yaml
                study: {family: \(e.family)}
                model:
                  architecture: "\(e.architecture)"
                  budget: {params: \(e.budget), tolerance: 10%}
                """)
        }
        if plainBaseline {
            try write("plain.yaml", """
                mimicc: 1
                study: {family: MLP-1, role: baseline}
                model:
                  architecture: "depfc"
                  budget: {params: 20k, tolerance: 10%}
                data: {dataset: synthetic, train: \(train), validation: \(validation), seed: \(dataSeed)}
                train:
                  loss: cross-entropy
                  optimizer: {sgd: {lr: 0.02}}
                  epochs: \(epochs)
                """)
        }
        if let published { try write("published.csv", published) }
    }
}

import MimicBasics
import MimicCompiler
import MimicDriver
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTestSupport
import XCTest

/// The one compile path: `mimicc compile` prints the plan that training runs, because both
/// come from `Compilation.compile`.
final class CompilationTests: XCTestCase {
    func testCompileShowsWhatTrainingRuns() throws {
        for name in ["cnn2-1M", "mlp1-1M"] {
            let file = Repository.path("specs/examples/\(name).yaml")
            let (shown, report) = Compiler.compile(file)
            let compiled = try XCTUnwrap(shown, "\(report.diagnostics.map(\.message))")
            let train = try XCTUnwrap(compiled.spec.train)
            // The trainer's call (Trainer.init).
            let trained = try Compilation.compile(compiled.analysis, name: compiled.spec.name, purpose: .training(train.loss),
                                                  options: Compilation.Options(batch: train.batch))
            XCTAssertEqual(trained.graph, compiled.graph, name)
            XCTAssertEqual(PlanPrinter.print(trained.plan), compiled.planText, name)
            XCTAssertTrue(compiled.graph.ops.contains { $0.kind.isBackward }, "\(name) compiles to its training graph")
        }
    }

    func testInferenceFoldsOnlyWhenAsked() throws {
        let layers: [Layer] = [
            .conv(Conv(filters: .fixed(4), kernel: 3, activation: .none)),
            .batchnorm(BatchNorm(activation: .relu)),
            .dense(Dense(units: .fixed(5))),
        ]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [3, 8, 8], classes: 3, layers: layers)).analysis)
        let folded = try Compilation.compile(analysis, name: "m", purpose: .inference(folding: true), options: .init(batch: 4))
        let kept = try Compilation.compile(analysis, name: "m", purpose: .inference(folding: false), options: .init(batch: 4))
        XCTAssertEqual(folded.folds.count, 1)
        XCTAssertEqual(folded.plan.notes, ["folded batchnorm bn1 into conv1"])
        XCTAssertFalse(folded.graph.ops.contains { $0.is(Ops.BatchNormInference.self) })
        XCTAssertEqual(kept.folds, [])
        XCTAssertEqual(kept.plan.notes, [])
        XCTAssertEqual(kept.graph.ops.filter { $0.is(Ops.BatchNormInference.self) }.count, 1)
        XCTAssertEqual(kept.plan.parameterCount, analysis.params, "unfolded, the checkpoint's layout")
        XCTAssertFalse(kept.graph.ops.contains { $0.kind.isBackward })
    }
}

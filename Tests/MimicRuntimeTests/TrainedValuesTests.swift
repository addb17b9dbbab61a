import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import XCTest

/// A checkpoint's flat arrays read back as one tensor per parameter and state value, at the
/// executor's own offsets (what `mimicc export` builds its model from).
final class TrainedValuesTests: XCTestCase {
    func testEachValueIsReadWhereTheExecutorKeepsIt() throws {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(4), kernel: 3, activation: .none, bias: false)),
                               .batchnorm(BatchNorm(activation: .relu)), .flatten(Flatten()),
                               .dense(Dense(units: .fixed(5), activation: .relu))]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 4, 4], classes: 3, layers: layers)).analysis)
        let plan = try Compilation.compile(analysis, name: "values", purpose: .inference(folding: false), options: .init(batch: 2)).plan
        let parameters = (0..<plan.parameterCount).map { Float($0) }
        let state = (0..<plan.stateCount).map { Float(-1 - $0) }
        let executor = Executor(plan: plan, threads: 1)
        _ = executor.parameters.update(from: parameters)
        _ = executor.state.update(from: state)
        let values = try XCTUnwrap(plan.trainedValues(parameters: parameters, state: state))
        let kept = plan.graph.values.filter { $0.role == .parameter || $0.role == .state }
        XCTAssertEqual(Set(values.keys), Set(kept.map(\.id)))
        XCTAssertGreaterThan(plan.stateCount, 0, "batchnorm's running statistics are state")
        for value in kept {
            let memory = Array(UnsafeBufferPointer(start: executor.pointer(value.id)!, count: value.elementCount))
            XCTAssertEqual(values[value.id]?.data, memory, value.name)
            XCTAssertEqual(values[value.id]?.shape, value.shape, value.name)
        }
        XCTAssertNil(plan.trainedValues(parameters: parameters.dropLast(), state: state), "a checkpoint of another network")
        XCTAssertNil(plan.trainedValues(parameters: parameters, state: state.dropLast()))
    }
}

import MimicBasics
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec
import XCTest

/// Folding keeps the function: the folded inference graph, with parameters computed by
/// its folds, gives the logits of the original graph.
final class FoldingTests: XCTestCase {
    func inference(_ input: [Int], _ layers: [Layer]) throws -> Graph {
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: input, classes: 5, layers: layers)).analysis)
        return GraphBuilder.forward(analysis, name: "fold", mode: .inference)
    }

    func feeds(_ g: Graph, batch: Int) -> [ValueID: Tensor] {
        var generator = SeededGenerator(seed: 3)
        var feeds: [ValueID: Tensor] = [:]
        for v in g.values where [.input, .parameter, .state].contains(v.role) {
            let shape = (g.isBatched(v.id) ? [batch] : []) + v.shape
            let low: Float = v.name.hasSuffix("running_var") ? 0.5 : -1
            feeds[v.id] = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, 1) })
        }
        return feeds
    }

    func assertSameFunction(_ g: Graph, expectFolds: Int, file: StaticString = #filePath, line: UInt = #line) {
        let (folded, folds, _) = Folding.fold(g)
        XCTAssertEqual(folds.count, expectFolds, file: file, line: line)
        XCTAssertEqual(Verifier.verify(folded), [], file: file, line: line)
        XCTAssertLessThan(folded.ops.count, g.ops.count, file: file, line: line)
        var inputs = feeds(g, batch: 4)
        let before = ReferenceInterpreter.run(g, batch: 4, feeds: inputs)[g.outputs[0]]!
        for fold in folds { fold.apply(to: &inputs) }
        let after = ReferenceInterpreter.run(folded, batch: 4, feeds: inputs)[folded.outputs[0]]!
        XCTAssertEqual(before.shape, after.shape, file: file, line: line)
        for (x, y) in zip(before.data, after.data) {
            XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x)), file: file, line: line)
        }
    }

    func testBottleneckFoldsIntoTheNextLayer() throws {
        let g = try inference([3, 4, 4], [.linear(Linear(units: .fixed(40))), .dense(Dense(units: .fixed(8)))])
        assertSameFunction(g, expectFolds: 1)
        let (folded, folds, _) = Folding.fold(g)
        XCTAssertEqual(folds.first?.describe(in: folded), "folded bottleneck linear1 into dense1: one [8,48] matmul")
        XCTAssertEqual(try ExecutionPlan.make(folded, batch: 1).parameterCount, 8 * 48 + 8 + 8 * 5 + 5)
    }

    func testBottleneckThatWouldCostMoreIsKept() throws {
        // 193 x 3072 + 2000 x 193 multiply-adds beat one 2000 x 3072 matrix: the paper's MLP keeps it.
        let g = try inference([3, 32, 32], [.linear(Linear(units: .fixed(193))), .dense(Dense(units: .fixed(2000)))])
        let (folded, folds, declined) = Folding.fold(g)
        XCTAssertEqual(folds, [])
        XCTAssertEqual(folded.ops, g.ops)
        XCTAssertEqual(declined, ["kept bottleneck linear1: folding into dense1 would raise multiply-adds per image from 978896 to 6144000"])
    }

    func testBatchnormFoldsIntoTheConvolution() throws {
        let g = try inference([2, 6, 6], [
            .conv(Conv(filters: .fixed(3), kernel: 3, activation: .none)),
            .batchnorm(BatchNorm()),
            .maxpool(MaxPool(size: 2)),
        ])
        assertSameFunction(g, expectFolds: 1)
    }
}

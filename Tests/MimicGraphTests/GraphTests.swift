import Foundation
import MimicBasics
import MimicCompiler
import MimicGraph
import MimicRuntime
import MimicSema
import MimicSpec
import MimicVocabulary
import MimicTestSupport
import XCTest

/// The graph IR, autodiff, fusion and memory planning over every real spec.
final class GraphTests: XCTestCase {
    static let repository = Repository.root
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    /// Every non-abstract spec under specs/.
    static func specFiles() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: repository + "/specs")
            .filter { $0.hasSuffix(".yaml") }.sorted().map { repository + "/specs/" + $0 }
    }

    func analysis(_ file: String) throws -> (Spec, ModelAnalysis)? {
        guard let spec = try SpecLoader().load(file).spec, let model = spec.model else { return nil }
        return (spec, try XCTUnwrap(ModelAnalysis.analyze(model).analysis, file))
    }

    func trainingGraph(_ file: String, loss: LossKind = .mimic) throws -> Graph? {
        guard let (spec, analysis) = try analysis(file) else { return nil }
        return try Autodiff.backward(GraphBuilder.forward(analysis, name: spec.name, mode: .training(loss)))
    }

    func testEveryPassKeepsEverySpecVerified() throws {
        var checked = 0
        for file in try Self.specFiles() {
            guard let (spec, analysis) = try analysis(file) else { continue }
            for loss in [LossKind.mimic, .crossEntropy, .kd(temperature: 4, alpha: 0.9)] {
                let forward = GraphBuilder.forward(analysis, name: spec.name, mode: .training(loss))
                XCTAssertEqual(Verifier.verify(forward), [], "forward \(file)")
                let training = try Autodiff.backward(forward)
                XCTAssertEqual(Verifier.verify(training), [], "backward \(file)")
                // Every parameter gets exactly one gradient, of its own shape.
                for p in training.parameters {
                    let gradients = training.values.filter { $0.role == .gradient(of: p) }
                    XCTAssertEqual(gradients.count, 1, "\(file) \(training[p].name)")
                }
            }
            let inference = GraphBuilder.forward(analysis, name: spec.name, mode: .inference)
            XCTAssertEqual(Verifier.verify(inference), [], "inference \(file)")
            XCTAssertFalse(inference.ops.contains { $0.kind.isBackward })
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 14)
    }

    func testVerifierCatchesBrokenGraphs() throws {
        var g = try XCTUnwrap(trainingGraph(Self.repository + "/specs/bench/mlp1-1M.yaml"))
        var ops = g.ops
        ops.swapAt(0, 1)  // read before write
        g.replaceOps(ops)
        XCTAssertTrue(Verifier.verify(g).contains { $0.contains("before it is defined") }, "\(Verifier.verify(g))")

        var h = try XCTUnwrap(trainingGraph(Self.repository + "/specs/bench/mlp1-1M.yaml"))
        var bad = h.ops
        let add = try XCTUnwrap(bad.firstIndex { $0.is(Ops.BiasAdd.self) })
        bad[add].inputs[1] = bad[add - 1].inputs[1]  // a bias add given the matmul's weight
        h.replaceOps(bad)
        XCTAssertTrue(Verifier.verify(h).contains { $0.contains("bias must have one entry per channel") }, "\(Verifier.verify(h))")
    }

    /// Every command, compile-and-run included, gets its plan from `Compilation.compile`, and
    /// that from `ExecutionPlan.make`, the plan's only constructor: a graph the verifier
    /// rejects never reaches an executor.
    func testNoPlanForAGraphTheVerifierRejects() throws {
        var g = try XCTUnwrap(trainingGraph(Self.repository + "/specs/bench/mlp1-1M.yaml"))
        var ops = g.ops
        ops.swapAt(0, 1)
        g.replaceOps(ops)
        XCTAssertThrowsError(try ExecutionPlan.make(g, batch: 4)) { error in
            let invalid = error as? InvalidGraph
            XCTAssertEqual(invalid?.problems, Verifier.verify(g))
            XCTAssertTrue("\(error)".hasPrefix("internal error: the compiled graph of 'mlp1-1M' does not verify"), "\(error)")
        }
        let good = try XCTUnwrap(trainingGraph(Self.repository + "/specs/bench/mlp1-1M.yaml"))
        XCTAssertEqual(try ExecutionPlan.make(good, batch: 4).graph, good)
    }

    /// Differentiating what cannot be differentiated is reported, not a crash.
    func testAutodiffRejectsGraphsWithoutALossOrADerivative() throws {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(2), activation: .none)), .batchnorm(BatchNorm()), .dense(Dense(units: .fixed(3)))]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [1, 4, 4], classes: 2, layers: layers)).analysis)
        let inference = GraphBuilder.forward(analysis, name: "bn", mode: .inference)
        XCTAssertThrowsError(try Autodiff.backward(inference)) { error in
            XCTAssertEqual((error as? InvalidGraph)?.problems, ["a training graph ends in its loss; this one ends in bias_add (output)"])
        }
        var withLoss = inference
        let target = withLoss.addValue("teacher", shape: [2], role: .target, origin: .nowhere)
        let loss = withLoss.addValue("loss", shape: [], role: .loss, origin: .nowhere)
        withLoss.append(Op(Ops.Loss(.mimic), inputs: [inference.outputs[0], target], outputs: [loss], layer: "loss", origin: .nowhere))
        XCTAssertThrowsError(try Autodiff.backward(withLoss)) { error in
            XCTAssertEqual((error as? InvalidGraph)?.problems, ["batchnorm_inference (bn1) has no derivative"])
        }
    }

    func testDropoutIsActiveInTrainingOnly() throws {
        guard let (spec, analysis) = try analysis(Self.repository + "/specs/examples/cnn1-hard-10M.yaml") else {
            return XCTFail("spec")
        }
        let training = try Autodiff.backward(GraphBuilder.forward(analysis, name: spec.name, mode: .training(.crossEntropy)))
        XCTAssertEqual(training.ops.filter { $0.is(Ops.Dropout.self) }.count, 2)
        XCTAssertEqual(training.ops.filter { $0.is(Ops.DropoutGrad.self) }.count, 2)
        let inference = GraphBuilder.forward(analysis, name: spec.name, mode: .inference)
        XCTAssertFalse(inference.ops.contains { $0.is(Ops.Dropout.self) })
    }

    /// Fused kernel counts per spec: a lost fusion fails here.
    func testFusedKernelCounts() throws {
        let cases: [(String, [String: Int])] = [
            ("specs/bench/cnn2-1M.yaml", [
                "conv2d+bias+act+maxpool": 2, "matmul+bias+act": 1, "output+bias+loss+loss_grad+bias_grad": 1,
                "act_grad+bias_grad": 1, "maxpool_grad+act_grad+bias_grad": 2,
            ]),
            ("specs/bench/cnn4-1M.yaml", [
                "conv2d+bias+act+maxpool": 3, "conv2d+bias+act": 1, "matmul+bias+act": 1,
                "output+bias+loss+loss_grad+bias_grad": 1, "act_grad+bias_grad": 2, "maxpool_grad+act_grad+bias_grad": 3,
            ]),
            ("specs/bench/mlp1-1M.yaml", [
                "matmul+bias": 1, "matmul+bias+act": 1, "output+bias+loss+loss_grad+bias_grad": 1, "act_grad+bias_grad": 1,
            ]),
        ]
        for (file, expected) in cases {
            let graph = try XCTUnwrap(trainingGraph(Self.repository + "/" + file))
            let kernels = Fusion.kernels(graph)
            var counts: [String: Int] = [:]
            for kernel in kernels where kernel.isFused { counts[kernel.name, default: 0] += 1 }
            XCTAssertEqual(counts, expected, file)
            // Every op runs exactly once, in order.
            XCTAssertEqual(kernels.flatMap(\.ops), Array(graph.ops.indices), file)
            XCTAssertEqual(Fusion.kernels(graph, enabled: false).count, graph.ops.count)
        }
    }

    /// Over every spec, fused and unfused, training and inference: no two buffers alive at
    /// the same time share a byte, and planning never needs more than no planning.
    func testMemoryPlansNeverOverlapLiveBuffers() throws {
        for file in try Self.specFiles() {
            guard let (spec, analysis) = try analysis(file) else { continue }
            let graphs = [
                try Autodiff.backward(GraphBuilder.forward(analysis, name: spec.name, mode: .training(.mimic))),
                GraphBuilder.forward(analysis, name: spec.name, mode: .inference),
            ]
            for graph in graphs {
                for fuse in [true, false] {
                    let plan = try ExecutionPlan.make(graph, batch: 7, fuse: fuse)
                    XCTAssertTrue(plan.overlaps().isEmpty, "\(file) fuse=\(fuse): \(plan.overlaps())")
                    XCTAssertLessThanOrEqual(plan.arenaBytes, plan.unplannedBytes, file)
                    for (id, place) in plan.storage {
                        if case .arena(let offset) = place, plan.views[id] == nil {
                            XCTAssertLessThanOrEqual(offset + plan.arenaBuffers[id]!.bytes, plan.arenaBytes)
                            XCTAssertEqual(offset % MemoryPlanner.alignment, 0)
                        }
                    }
                    XCTAssertEqual(plan.parameterCount, analysis.params, file)
                    if !fuse { XCTAssertFalse(plan.storage.values.contains(.kernelInternal)) }
                    // A pool's argmax is kept exactly when a backward pass reads it.
                    let training = graph.ops.contains { $0.kind.pass == .backward }
                    for value in graph.values where value.role == .saved {
                        let kept = if case .arena = plan.storage[value.id] { true } else { false }
                        XCTAssertEqual(kept, training, "\(file) \(value.name)")
                    }
                }
            }
        }
    }

    func testPlannerReusesMemoryOfDeadBuffers() {
        let requests = [
            BufferRequest(bytes: 1000, firstKernel: 0, lastKernel: 1),
            BufferRequest(bytes: 1000, firstKernel: 2, lastKernel: 3),
            BufferRequest(bytes: 500, firstKernel: 1, lastKernel: 2),
        ]
        let (offsets, arena) = MemoryPlanner.plan(requests)
        XCTAssertEqual(offsets[0], offsets[1], "disjoint lifetimes share memory")
        XCTAssertEqual(arena, 1024 + 512)
    }

    // MARK: Golden text

    func testGoldenGraphsAndPlans() throws {
        let cases = [
            ("specs/bench/mlp1-1M.yaml", "mlp1-1M"),
            ("specs/examples/cnn2-1M.yaml", "cnn2-1M"),
        ]
        for (file, name) in cases {
            let graph = try XCTUnwrap(trainingGraph(Self.repository + "/" + file))
            try checkGolden(GraphPrinter.print(graph), "\(name).graph.txt")
            try checkGolden(PlanPrinter.print(try ExecutionPlan.make(graph, batch: 128)), "\(name).plan.txt")
            try checkGolden(PlanPrinter.print(try ExecutionPlan.make(graph, batch: 128, fuse: false)), "\(name).plan-nofuse.txt")
        }
    }

    /// Compares with Golden/NAME; `MIMICC_UPDATE_GOLDEN=1 swift test` rewrites the files.
    func checkGolden(_ text: String, _ name: String) throws {
        let path = Self.golden + "/" + name
        if ProcessInfo.processInfo.environment["MIMICC_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, expected, "\(name) differs; if the change is intended, rerun with MIMICC_UPDATE_GOLDEN=1")
    }
}

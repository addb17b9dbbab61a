import Foundation
import XCTest

/// `mimicc inspect` and `mimicc compile` run as processes.
final class CompileCLITests: CLITestCase {
    func testInspectTableOfTheTwoConvStudent() throws {
        let run = try mimicc("inspect", Self.repository + "/specs/examples/cnn2-1M.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "cnn2-1M: training graph, forward FLOPs and activation bytes per image")
        XCTAssertEqual(lines[1], "layer   kind     output     params       FLOPs  act bytes  kernel")
        XCTAssertEqual(lines[2], "conv1   conv     64x32x32    4,864   9,830,400    262,144  k0 conv2d+bias+act+maxpool")
        XCTAssertEqual(lines[6], "dense1  dense    217       889,049   1,777,664        868  k3 matmul+bias+act")
        XCTAssertEqual(lines[8], "total                      998,557  64,041,204    410,508")
        XCTAssertEqual(lines[9], "budget: 1,000,000 parameters within 0.5%: solved dense1 width = 217, 998,557 parameters (-0.14%): met")
        XCTAssertTrue(lines[10].hasPrefix("plan: batch 128, 16 kernels (7 fused), arena "), lines[10])
    }

    func testInspectJSON() throws {
        let run = try mimicc("inspect", "--format", "json", Self.repository + "/specs/teachers/teacher-5.8M.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["params"] as? Int, 5_823_101)
        XCTAssertEqual((object["layers"] as? [Any])?.count, 14)
        XCTAssertTrue(object["budget"] is NSNull)
    }

    func testInspectDotIsAGraphvizDigraph() throws {
        let run = try mimicc("inspect", "--format", "dot", Self.repository + "/specs/bench/cnn1-1M.yaml")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("digraph \"cnn1-1M\" {\n"))
        XCTAssertTrue(run.stdout.hasSuffix("}\n"))
        XCTAssertTrue(run.stdout.contains("subgraph cluster_k0 {\n    label=\"k0 conv2d+bias+act+maxpool\";"), run.stdout)
        XCTAssertTrue(run.stdout.contains("input -> op0 [label=\"[3,32,32]\"];"), run.stdout)
    }

    func testCompileEmitsPlanAndGraph() throws {
        let spec = Self.repository + "/specs/bench/mlp1-1M.yaml"
        let plan = try mimicc("compile", spec, "--batch", "32")
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.hasPrefix("plan mlp1-1M: batch 32, 4 kernels (3 fused), 1001099 parameters\n"), plan.stdout)
        XCTAssertTrue(plan.stdout.hasSuffix("fused: matmul+bias x2, matmul+bias+act x1\n"), plan.stdout)
        let unfused = try mimicc("compile", spec, "--batch", "32", "--no-fuse")
        XCTAssertTrue(unfused.stdout.contains(", 8 kernels (0 fused)"), unfused.stdout)
        XCTAssertTrue(unfused.stdout.hasSuffix("fused: none\n"))
        let graph = try mimicc("compile", spec, "--emit", "graph")
        XCTAssertTrue(graph.stdout.hasPrefix("graph mlp1-1M {\n  %0 = input input [3,32,32]\n"), graph.stdout)
        XCTAssertFalse(graph.stdout.contains("loss"), "a spec without train compiles for inference")
    }

    func testCompileOfABrokenSpecReportsLikeLint() throws {
        try write("bad.yaml", "mimicc: 1\nmodel:\n  architecture: \"64c5-mp2-depfc\"\n  budget: {params: 10k}\n")
        let run = try mimicc("compile", "bad.yaml")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("bad.yaml:4:11: error: budget of 10,000 parameters is too small"), run.stderr)
        XCTAssertEqual(try mimicc("inspect", "missing.yaml").status, 2)
        let abstract = try mimicc("inspect", Self.repository + "/specs/examples/student-base.yaml")
        XCTAssertEqual(abstract.status, 1)
        XCTAssertTrue(abstract.stderr.contains("student-base.yaml:4:1: error: 'student-base' is abstract: it cannot be compiled [MC035]"), abstract.stderr)
        XCTAssertEqual(try mimicc("compile", "--batch", "0", "bad.yaml").status, 64)
    }
}

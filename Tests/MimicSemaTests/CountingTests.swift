import Foundation
import MimicBasics
import MimicSema
import MimicSpec
import MimicTestSupport
import XCTest

/// Parameter counts that must be exact, and budgets that must be met.
final class CountingTests: XCTestCase {
    static let repository = Repository.root

    func analysis(_ path: String) throws -> ModelAnalysis {
        let spec = try XCTUnwrap(try SpecLoader().load(Self.repository + "/" + path).spec, path)
        let result = ModelAnalysis.analyze(try XCTUnwrap(spec.model))
        XCTAssertEqual(result.diagnostics, [], path)
        return try XCTUnwrap(result.analysis, path)
    }

    /// Urban et al.'s three teachers (Table 1), as derived in ../shared/paper/urban2017.md.
    func testTeacherParameterCounts() throws {
        XCTAssertEqual(try analysis("specs/teachers/teacher-5.3M.yaml").params, 5_339_350)
        XCTAssertEqual(try analysis("specs/teachers/teacher-2.5M.yaml").params, 2_453_729)
        XCTAssertEqual(try analysis("specs/teachers/teacher-5.8M.yaml").params, 5_823_101)
    }

    /// The counts PyTorch reports for ../shared/bench/cases.json (torch_peer.py's "params").
    func testBenchmarkCaseParameterCounts() throws {
        let expected = [
            "mlp1-1M": 1_001_099, "mlp3-10M": 9_127_510, "cnn1-1M": 1_004_201, "cnn2-1M": 998_557,
            "cnn3-1M": 999_507, "cnn4-1M": 999_506, "cnn4-10M": 8_627_378, "teacher-5.3M": 5_339_350,
            "fast-teacher-2M": 1_972_792,
        ]
        for (name, params) in expected {
            XCTAssertEqual(try analysis("specs/bench/\(name).yaml").params, params, name)
        }
    }

    /// Bias-free convolutions and output layer, and the output's scale as a layer of its own.
    func testBiasFreeLayersAndTheOutputScale() throws {
        let a = try analysis("specs/bench/fast-teacher-2M.yaml")
        XCTAssertEqual(Array(a.layers.map(\.name).suffix(3)), ["flatten1", "output", "output_scale"])
        XCTAssertEqual(a.layers[0].params, 24 * 3 * 2 * 2 + 24, "the stem keeps its bias")
        XCTAssertEqual(a.layers[1].params, 64 * 24 * 3 * 3, "no bias")
        XCTAssertEqual(a.layers[1].output.description, "64x31x31", "a 2x2 stem without padding: 31x31")
        XCTAssertEqual(a.layers.last(where: { $0.name == "output" })?.params, 256 * 10)
        XCTAssertEqual(a.layers.last?.params, 0)
        XCTAssertEqual(a.layers.last?.kind, "scale")
    }

    /// Sizes no machine could hold are diagnostics with the figure, never an overflow trap:
    /// numbers past 2^31 - 1 in the notation and in YAML, repeats past 1000, and layers or
    /// models past 2^40 parameters, values or FLOPs.
    func testImpossibleSizesAreDiagnosedNotTrapped() throws {
        func errors(_ model: String) throws -> [String] {
            let path = NSTemporaryDirectory() + "impossible-\(UUID().uuidString).yaml"
            try "mimicc: 1\nmodel:\n\(model)\n".write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let loaded = try SpecLoader().load(path)
            let analysed = loaded.spec?.model.map { ModelAnalysis.analyze($0).diagnostics } ?? []
            return (loaded.diagnostics + analysed).filter { $0.severity == .error }.map { "\($0.code.rawValue) \($0.message)" }
        }
        XCTAssertEqual(try errors("  architecture: \"4000000000000000000fc\""),
                       ["MC030 number too large: sizes and repeat counts are at most 2147483647"])
        XCTAssertEqual(try errors("  architecture: \"8c3^100000\""), ["MC030 repeat count must be at most 1000"])
        XCTAssertEqual(try errors("  architecture: \"64c5-mp2-100000000fc\""),
                       ["MC043 'dense1' would have 1.6e+12 parameters; mimicc counts at most 2^40 (1.1e12)"])
        XCTAssertEqual(try errors("  architecture: \"100000c3-100000c3-10fc\""),
                       ["MC043 'conv2' would have 1.8e+14 FLOPs per image; mimicc counts at most 2^40 (1.1e12)"])
        XCTAssertEqual(try errors("  input: [3, 32, 32]\n  layers:\n    - conv: {filters: 9223372036854775807, kernel: 3}"),
                       ["MC023 'conv.filters' must be at most 2147483647, found 9223372036854775807"])
        XCTAssertEqual(try errors("  input: [1, 1, 7700]\n  architecture: \"7700fc^1000\""), [], "59 billion: large, not impossible")
        // 1000 layers of 1.2 billion parameters: each layer counts, their sum does not.
        XCTAssertEqual(try errors("  input: [1, 1, 34000]\n  architecture: \"34000fc^1000\""),
                       ["MC043 the model would have 1.2e+12 parameters; mimicc counts at most 2^40 (1.1e12)"])
    }

    func testPerLayerCountsFLOPsAndBytes() throws {
        let a = try analysis("specs/bench/cnn2-1M.yaml")
        XCTAssertEqual(a.layers.map(\.name), ["conv1", "pool1", "conv2", "pool2", "flatten1", "dense1", "output"])
        XCTAssertEqual(a.layers.map(\.params), [4_864, 0, 102_464, 0, 0, 889_049, 2_180])
        XCTAssertEqual(a.layers.map(\.output.description), ["64x32x32", "64x16x16", "64x16x16", "64x8x8", "4096", "217", "10"])
        // conv1: 2 * (5*5*3) * 64 outputs channels * 32*32 positions.
        XCTAssertEqual(a.layers[0].flops, 2 * 75 * 64 * 1024)
        XCTAssertEqual(a.layers[5].flops, 2 * 4096 * 217)
        XCTAssertEqual(a.layers[0].activationBytes, 64 * 32 * 32 * 4)
        XCTAssertEqual(a.flops, a.layers.reduce(0) { $0 + $1.flops })
    }

    func testSolvedWidthMeetsTheBudget() throws {
        let a = try analysis("specs/examples/cnn2-1M.yaml")
        let budget = try XCTUnwrap(a.budget)
        XCTAssertEqual(budget.solvedLayer, 4)
        XCTAssertEqual(budget.solvedWidth, 217)
        XCTAssertEqual(a.params, 998_557)
        XCTAssertLessThanOrEqual(abs(budget.deviation), 0.005)
    }

    /// Table 3 of the paper: every convolutional family and the bottleneck MLP at every budget,
    /// with the searched widths at both ends of their ranges.
    func testSolverMeetsEveryTable3BudgetAtTheExtremesOfItsRanges() {
        typealias Row = (budget: String, template: String, ranges: [ClosedRange<Int>])
        let rows: [Row] = [
            ("1M", "deplfc-{0}fc", [500...5000]),
            ("3.16M", "deplfc-{0}fc", [1000...20000]),
            ("10M", "deplfc-{0}fc", [5000...30000]),
            ("31.6M", "deplfc-{0}fc", [5000...45000]),
            ("1M", "{0}c5-mp3-deplfc-{1}fc", [40...150, 200...1600]),
            ("3.16M", "{0}c5-mp3-deplfc-{1}fc", [50...300, 100...4000]),
            ("10M", "{0}c5-mp3-deplfc-{1}fc", [50...450, 500...20000]),
            ("31.6M", "{0}c5-mp3-deplfc-{1}fc", [200...600, 1000...4100]),
            ("1M", "{0}c5-mp2-{1}c5-mp2-depfc", [20...120, 20...120]),
            ("3.16M", "{0}c5-mp2-{1}c5-mp2-depfc", [50...250, 20...120]),
            ("10M", "{0}c5-mp2-{1}c5-mp2-depfc", [50...350, 20...120]),
            ("31.6M", "{0}c5-mp2-{1}c5-mp2-depfc", [50...800, 20...120]),
            ("1M", "{0}c5-mp2-{1}c5-mp2-{2}c5-mp2-depfc", [20...110, 20...110, 20...110]),
            ("3.16M", "{0}c5-mp2-{1}c5-mp2-{2}c5-mp2-depfc", [40...200, 40...200, 40...200]),
            ("10M", "{0}c5-mp2-{1}c5-mp2-{2}c5-mp2-depfc", [50...350, 50...350, 50...350]),
            ("31.6M", "{0}c5-mp2-{1}c5-mp2-{2}c5-mp2-depfc", [50...650, 50...650, 50...650]),
            ("1M", "{0}c5-mp2-{1}c5-{2}c5-mp2-{3}c5-mp2-depfc", [25...100, 25...100, 25...100, 25...100]),
            ("3.16M", "{0}c5-mp2-{1}c5-{2}c5-mp2-{3}c5-mp2-depfc", [50...150, 50...150, 50...200, 50...200]),
            ("10M", "{0}c5-mp2-{1}c5-{2}c5-mp2-{3}c5-mp2-depfc", [50...300, 50...300, 50...350, 50...350]),
            ("31.6M", "{0}c5-mp2-{1}c5-{2}c5-mp2-{3}c5-mp2-depfc", [50...500, 50...500, 50...650, 50...650]),
        ]
        for row in rows {
            let budget = Budget(params: Quantity.count(row.budget)!)  // the default tolerance, 1%
            for end in [\ClosedRange<Int>.lowerBound, \ClosedRange<Int>.upperBound] {
                var text = row.template
                for (i, range) in row.ranges.enumerated() { text = text.replacingOccurrences(of: "{\(i)}", with: "\(range[keyPath: end])") }
                let parsed = ArchitectureNotation.parse(text, at: .nowhere)
                XCTAssertEqual(parsed.diagnostics, [], text)
                let model = Model(input: [3, 32, 32], inputLocation: .nowhere, classes: 10, layers: parsed.layers,
                                  budget: budget, architecture: text, location: .nowhere)
                let result = ModelAnalysis.analyze(model)
                XCTAssertEqual(result.diagnostics.map { $0.message }, [String](), "\(row.budget) \(text)")
                guard let analysis = result.analysis, let solution = analysis.budget else { continue }
                XCTAssertLessThanOrEqual(abs(solution.deviation), 0.01, "\(row.budget) \(text)")
                XCTAssertGreaterThanOrEqual(solution.solvedWidth ?? 0, 1)
                XCTAssertEqual(analysis.params, solution.params)
            }
        }
    }
}

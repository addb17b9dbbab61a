import Dispatch
import Foundation
import MimicBasics
import MimicBLAS
import MimicCompiler
import MimicGraph
import MimicKernels
import MimicRuntime
import MimicSema
import MimicSpec

/// `mimicc bench`: trains (or runs) a spec's network on random data of its shapes and
/// reports throughput, as ../shared/bench/torch_peer.py does for PyTorch: the mimic loss
/// against random targets, SGD with Nesterov momentum 0.9, median over timed steps.
public enum Bench {
    public struct Options: Sendable {
        public var steps = 20
        public var warmup = 3
        public var threads: Int?
        public var batch: Int?
        public var inference = false
        public var profile = false
        public var fuse = true
        /// Winograd tiles where they apply (`--im2col` turns them off, to compare).
        public var winograd = true
        /// Also time the plan with the other convolution algorithm setting, its steps
        /// alternating with the first plan's so that both see the same machine (`--compare`).
        public var compare = false

        public init() {}
    }

    public struct Result: Sendable {
        public var name: String
        public var params: Int
        public var batch: Int
        public var threads: Int
        public var inference: Bool
        public var medianStep: Double
        /// As executed; `directFlopsPerStep` counts every convolution as a direct one.
        public var flopsPerStep: Int
        public var directFlopsPerStep: Int
        public var plannedBytes: [(String, Int)]
        public var residentBytes: Int
        /// Per kernel: name, median seconds, FLOPs.
        public var kernels: [(String, Double, Int)]
        /// With `compare`: the other plan's description and median step.
        public var comparison: (String, Double)?

        public var imagesPerSecond: Double { Double(batch) / medianStep }
        public var gflops: Double { Double(flopsPerStep) / medianStep / 1e9 }
    }

    public static func run(_ file: String, options: Options) -> (result: Result?, report: LintReport) {
        let frontend: FrontendResult
        do { frontend = try Frontend.run(file) } catch {
            return (nil, LintReport(files: [file], diagnostics: [], unreadable: [error.description]))
        }
        var bag = DiagnosticBag()
        bag.add(contentsOf: frontend.diagnostics)
        let report = LintReport(files: [file], diagnostics: bag.sorted, unreadable: [])
        guard !frontend.hasErrors, let spec = frontend.spec, let analysis = frontend.analysis else { return (nil, report) }

        let purpose: Compilation.Purpose = options.inference ? .inference(folding: true) : .training(.mimic)
        let batch = options.batch ?? 128
        let threads = options.threads ?? spec.train?.threads ?? ProcessInfo.processInfo.activeProcessorCount
        var other = options
        other.winograd.toggle()
        let main: Contender, rival: Contender?
        do {
            main = try contender(analysis, spec.name, purpose, batch: batch, threads: threads, options: options)
            rival = options.compare ? try contender(analysis, spec.name, purpose, batch: batch, threads: threads, options: other) : nil
        } catch {
            return (nil, LintReport(files: [file], diagnostics: report.diagnostics, unreadable: ["\(error)"]))
        }
        let (plan, executor, optimizer) = (main.plan, main.executor, main.optimizer)
        let graph = plan.graph
        var count: UInt64 = 0
        /// One step, timed from after its inputs are written.
        func step(_ contender: Contender) -> Double {
            count += 1
            contender.feed()
            let start = now()
            contender.executor.dropoutSeed = count
            contender.executor.run()
            if !options.inference {
                contender.optimizer.step(parameters: contender.executor.parameters.baseAddress!,
                                         gradients: contender.executor.gradients.baseAddress!, lr: 1e-3)
            }
            return now() - start
        }
        for _ in 0..<options.warmup {
            _ = step(main)
            if let rival { _ = step(rival) }
        }
        var times: [Double] = [], rivalTimes: [Double] = []
        // One row per kernel, and one for the optimizer's update.
        var kernelTimes = [[Double]](repeating: [], count: plan.kernels.count + 1)
        for _ in 0..<options.steps {
            if options.profile {
                main.feed()
                let start = now()
                for (i, t) in executor.profile(now).enumerated() { kernelTimes[i].append(t.seconds) }
                let update = now()
                if !options.inference {
                    optimizer.step(parameters: executor.parameters.baseAddress!, gradients: executor.gradients.baseAddress!, lr: 1e-3)
                }
                kernelTimes[plan.kernels.count].append(now() - update)
                times.append(now() - start)
            } else {
                times.append(step(main))
            }
            if let rival { rivalTimes.append(step(rival)) }
        }
        let flops = plan.kernels.reduce(0) { $0 + Executor.executedFlops($1, plan) }
        let directFlops = plan.kernels.reduce(0) { $0 + $1.flops(in: graph, batch: batch) }
        let names = executor.kernelNames
        let kernels = options.profile
            ? plan.kernels.enumerated().map { i, k in (names[i], median(kernelTimes[i]), Executor.executedFlops(k, plan)) }
                + (options.inference ? [] : [("sgd update", median(kernelTimes[plan.kernels.count]), 0)])
            : []
        let scratch = executor.scratchBytes
        let planned: [(String, Int)] = [
            ("arena", plan.arenaBytes), ("parameters", plan.parameterCount * 4),
            ("gradients", options.inference ? 0 : plan.parameterCount * 4),
            ("optimizer", options.inference ? 0 : optimizer.stateBytes), ("scratch", scratch),
        ] + (executor.kernelBufferBytes > 0 ? [("filter transforms", executor.kernelBufferBytes)] : [])
        return (Result(name: spec.name, params: analysis.params, batch: batch, threads: threads, inference: options.inference,
                       medianStep: median(times), flopsPerStep: flops, directFlopsPerStep: directFlops, plannedBytes: planned,
                       residentBytes: residentPeak(), kernels: kernels,
                       comparison: rival.map { _ in (other.winograd ? "winograd" : "im2col only", median(rivalTimes)) }), report)
    }

    /// A plan being timed: its executor, its optimizer, and the inputs and targets written
    /// before every step. An inference plan's memory planner lets later values reuse the
    /// input's buffer, so inputs written once would be the last step's activations by the
    /// next one, and after some dozens of steps numbers small enough to be denormal, which
    /// the CPU runs ten times slower.
    final class Contender {
        let plan: ExecutionPlan, executor: Executor, optimizer: MimicRuntime.Optimizer
        let feeds: [(UnsafeMutablePointer<Float>, [Float])]

        init(plan: ExecutionPlan, executor: Executor, optimizer: MimicRuntime.Optimizer, feeds: [(UnsafeMutablePointer<Float>, [Float])]) {
            (self.plan, self.executor, self.optimizer, self.feeds) = (plan, executor, optimizer, feeds)
        }

        func feed() {
            for (pointer, values) in feeds { values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: $0.count) } }
        }
    }

    /// A plan for the options, its executor with Glorot weights and standard-normal inputs
    /// and targets (the same for every plan of the graph), and an SGD optimizer.
    static func contender(
        _ analysis: ModelAnalysis, _ name: String, _ purpose: Compilation.Purpose, batch: Int, threads: Int, options: Options
    ) throws -> Contender {
        let plan = try Compilation.compile(
            analysis, name: name, purpose: purpose,
            options: Compilation.Options(batch: batch, fuse: options.fuse, winograd: options.winograd)).plan
        let graph = plan.graph
        try MemoryCheck.ensureFits(Executor.requiredBytes(plan, threads: threads), doing: "benchmarking '\(name)'",
                                   hint: "lower --batch, or the model's widths")
        let executor = Executor(plan: plan, threads: threads)
        Initializer.glorot(executor, scale: 1, seed: 0)
        let optimizer = MimicRuntime.Optimizer(.sgd(momentum: 0.9, nesterov: true, weightDecay: 0),
                                                parameterCount: plan.parameterCount, threads: threads)
        var generator = SeededGenerator(seed: 1)
        var feeds: [(UnsafeMutablePointer<Float>, [Float])] = []
        for value in graph.values where value.role == .input || value.role == .target {
            guard let p = executor.pointer(value.id) else { continue }
            feeds.append((p, (0..<(batch * value.elementCount)).map { _ in normal(&generator) }))
        }
        return Contender(plan: plan, executor: executor, optimizer: optimizer, feeds: feeds)
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// A standard normal draw (Box-Muller), like torch.randn for the inputs and targets.
    static func normal(_ g: inout SeededGenerator) -> Float {
        let u = max(g.nextUnit(), 1e-7), v = g.nextUnit()
        return Float((-2 * log(Double(u))).squareRoot() * cos(2 * Double.pi * Double(v)))
    }

    /// The process's peak resident memory, from getrusage (kilobytes on Linux).
    static func residentPeak() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    public static func render(_ r: Result) -> String {
        func mib(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
        let mode = r.inference ? "infer" : "train"
        var out = "params \(r.params)\n"
        out += "\(r.name) \(mode) img/s \(String(format: "%.1f", r.imagesPerSecond))\n"
        if let (label, step) = r.comparison {
            out += "\(r.name) \(mode) img/s \(String(format: "%.1f", Double(r.batch) / step)) with \(label) "
            out += "(steps alternating with the line above; ratio \(String(format: "%.2f", step / r.medianStep)))\n"
        }
        out += "\(r.name) GFLOP/s \(String(format: "%.1f", r.gflops)) (\(String(format: "%.3f", Double(r.flopsPerStep) / 1e9)) GFLOP per step"
        if r.directFlopsPerStep != r.flopsPerStep {
            // Winograd tiles: say what the same step would execute as direct convolutions, and
            // the rate that amounts to.
            let direct = Double(r.directFlopsPerStep)
            out += " executed, \(String(format: "%.3f", direct / 1e9)) as direct convolutions: "
            out += "\(String(format: "%.1f", direct / r.medianStep / 1e9)) GFLOP/s direct-equivalent"
        }
        out += ", "
        out += "median step \(String(format: "%.2f", r.medianStep * 1000)) ms, batch \(r.batch), \(r.threads) threads)\n"
        let total = r.plannedBytes.reduce(0) { $0 + $1.1 }
        out += "\(r.name) memory \(mib(r.residentBytes)) MiB peak resident; planned \(mib(total)) MiB ("
        out += r.plannedBytes.map { "\($0.0) \(mib($0.1))" }.joined(separator: ", ") + ")\n"
        out += "\(r.name) blas \(BLASCore.name) kernels (\(BLAS.configuration))\n"
        if !r.kernels.isEmpty {
            let sum = r.kernels.reduce(0) { $0 + $1.1 }
            out += "profile (median per kernel):\n"
            for (i, k) in r.kernels.enumerated() {
                let gflops = k.1 > 0 ? Double(k.2) / k.1 / 1e9 : 0
                let label = "k\(i) \(k.0)"
                out += "  " + label + String(repeating: " ", count: max(1, 44 - label.count))
                out += String(format: "%8.3f ms %5.1f%% %7.1f GFLOP/s\n", k.1 * 1000, sum > 0 ? 100 * k.1 / sum : 0, gflops)
            }
        }
        return out
    }
}

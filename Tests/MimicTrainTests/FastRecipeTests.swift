import Foundation
import MimicBasics
import MimicCompiler
import MimicData
import MimicDriver
import MimicRuntime
import MimicSema
import MimicSpec
import MimicTrain
import XCTest

/// The fast CIFAR-10 recipe end to end on the synthetic set, at a small width: whitening
/// stem, Dirac convolutions, frozen batchnorm scales, per-kind rates with decoupled decay, the
/// warm-up then linear schedule, lookahead and test-time views.
final class FastRecipeTests: RunnerTestsBase {
    func recipe(_ name: String, epochs: Int = 4, tta: String = "flip-shift", train: Int = 512) throws -> String {
        let path = directory + "/\(name).yaml"
        try """
            mimicc: 1
            name: \(name)
            model:
              input: [3, 32, 32]
              classes: 10
              layers:
                - conv: {filters: 24, kernel: 2, padding: 0, activation: gelu, init: whitening, whitening-images: 200, frozen: true}
                - conv: {filters: 16, kernel: 3, bias: false, activation: none, init: dirac}
                - maxpool: {size: 2}
                - batchnorm: {activation: gelu, frozen-scale: true, momentum: 0.4}
                - conv: {filters: 32, kernel: 3, bias: false, activation: none, init: dirac}
                - maxpool: {size: 4}
                - batchnorm: {activation: gelu, frozen-scale: true, momentum: 0.4}
                - maxpool: {size: 3}
                - flatten
              output: {bias: false, scale: 0.1111111}
            data: {dataset: synthetic, train: \(train), validation: 256, seed: 2, normalize: per-channel, augment: {flip: true, translate: 2}}
            train:
              loss: cross-entropy
              optimizer: {sgd: {lr: 0.4, momentum: 0.85, nesterov: true, weight-decay: 0.002, decoupled-decay: true,
                                multipliers: {biases: {lr: 16}}}}
              init: fan-in-uniform
              batch: 64
              epochs: \(epochs)
              schedule: warmup-linear
              lookahead: {every: 5}
              tested: last
              tta: \(tta)
              seed: 3
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func hash(_ run: String) throws -> [UInt8] {
        SHA256.hash(Array(try String(contentsOfFile: run + "/spec.json", encoding: .utf8).dropLast().utf8))
    }

    /// The recipe learns the synthetic set; the test accuracy averages six views and the plain
    /// one is reported beside it; the last weights are lookahead's average; the exported test
    /// logits (which take the run's views by default) reproduce the test accuracy.
    func testTheRecipeLearnsTheSyntheticSet() throws {
        let file = try recipe("fast")
        let out = directory + "/fast-run"
        var messages: [String] = []
        let result = try Runner.run(file, options: options(out), log: { messages.append($0) }, isTerminal: false)
        XCTAssertTrue(messages.contains("conv1.weight: whitening filters from 200 training images"), "\(messages)")
        XCTAssertGreaterThanOrEqual(result.testAccuracy, 0.9, "pinned: the recipe learns the synthetic set")
        XCTAssertEqual(result.testViews, "flip-shift")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(result.testAccuracyWithoutViews), 0.8)
        XCTAssertTrue(Runner.summary(result).contains("with flip-shift views"), Runner.summary(result))
        let last = try Checkpoint.read(out + "/checkpoint-last.bin", expectedHash: try hash(out))
        XCTAssertEqual(last.average.count, last.parameters.count + last.state.count)
        XCTAssertEqual(Array(last.average[0..<last.parameters.count]), last.parameters, "the run ends at the average")
        XCTAssertEqual(Array(last.average[last.parameters.count...]), last.state, "running statistics averaged too")
        let logits = directory + "/test.npy"
        _ = try LogitsExport.export(runs: [out], split: .test, flipped: false, out: logits, threads: 2, checkpoint: .last)
        XCTAssertEqual(try testAccuracy(logits), result.testAccuracy, accuracy: 1e-9)
    }

    /// Lookahead's average is in the checkpoint, so a run stopped in the middle of epoch 2 (as
    /// a signal stops it) and resumed writes the same bytes as one that never stopped.
    func testResumingKeepsLookaheadsAverage() throws {
        let file = try recipe("resume", epochs: 2, tta: "none")
        let straight = directory + "/straight", stopped = directory + "/stopped"
        _ = try Runner.run(file, options: options(straight), log: { _ in }, isTerminal: false)
        var first = options(stopped)
        first.stopAfterStep = 11  // 8 steps an epoch: the third of epoch 2, past lookahead's first blend in it
        XCTAssertThrowsError(try Runner.run(file, options: first, log: { _ in }, isTerminal: false))
        let middle = try Checkpoint.read(stopped + "/checkpoint-interrupted.bin", expectedHash: try hash(stopped))
        XCTAssertEqual(middle.position.steps, 3)
        XCTAssertNotEqual(Array(middle.average[0..<middle.parameters.count]), middle.parameters,
                          "mid-run the average trails the weights")
        var again = Runner.Options()
        again.resume = stopped
        again.threads = 2
        _ = try Runner.run(file, options: again, log: { _ in }, isTerminal: false)
        XCTAssertEqual(FileManager.default.contents(atPath: straight + "/checkpoint-last.bin"),
                       FileManager.default.contents(atPath: stopped + "/checkpoint-last.bin"))
    }

    /// The shards of a study run on machines with different core counts: the recipe (whitening,
    /// batchnorm, lookahead, views) and a network of wide dense layers (whole-batch GEMMs cut
    /// in slices) train to the same bytes on 1, 2 and 3 threads.
    func testTrainingGivesTheSameBitsOnOneTwoAndThreeThreads() throws {
        let recipe = try recipe("threads", epochs: 1, tta: "none", train: 192)
        let dense = try spec("dense", architecture: "8c3-mp4-400fc", epochs: 1, train: 256)
        for file in [recipe, dense] {
            var checkpoints: [Data?] = [], accuracies: [Double] = []
            for threads in 1...3 {
                var o = options(directory + "/\((file as NSString).lastPathComponent)-\(threads)")
                o.threads = threads
                accuracies.append(try Runner.run(file, options: o, log: { _ in }, isTerminal: false).testAccuracy)
                checkpoints.append(FileManager.default.contents(atPath: o.out! + "/checkpoint-last.bin"))
            }
            XCTAssertNotNil(checkpoints[0])
            XCTAssertEqual(checkpoints[1], checkpoints[0], "\(file): 2 threads against 1")
            XCTAssertEqual(checkpoints[2], checkpoints[0], "\(file): 3 threads against 1")
            XCTAssertEqual(Set(accuracies).count, 1, "\(accuracies)")
        }
    }
}

/// Lookahead's schedule and blend against hand computations.
final class LookaheadTests: XCTestCase {
    func testTheDecayGrowsWithTheCubeOfProgress() {
        let l = Lookahead(every: 5, decay: 0.95, power: 3)
        XCTAssertNil(l.decay(afterStep: 4, of: 100))
        XCTAssertEqual(l.decay(afterStep: 5, of: 100)!, pow(0.95, 5) * pow(0.05, 3), accuracy: 1e-15)
        XCTAssertEqual(l.decay(afterStep: 100, of: 100)!, pow(0.95, 5), accuracy: 1e-15)
        XCTAssertEqual(l.decay(afterStep: 50, of: 100)!, 0.7737809375 * 0.125, accuracy: 1e-9)
    }
}

/// Test-time augmentation: the views, and logits that are the weighted mean of the network's
/// logits on each view made by hand.
final class TestTimeViewTests: XCTestCase {
    func testTheViewsAndTheirWeights() {
        XCTAssertEqual(TestTimeView.views(.none).map(\.weight), [1])
        XCTAssertEqual(TestTimeView.views(.flip).map(\.flip), [false, true])
        let six = TestTimeView.views(.flipShift)
        XCTAssertEqual(six.count, 6)
        XCTAssertEqual(six.reduce(0) { $0 + $1.weight }, 1)
        XCTAssertEqual(six.filter { $0.dx == 1 && $0.dy == 1 }.count, 2)
        XCTAssertEqual(six.filter { $0.dx == -1 && $0.dy == -1 }.count, 2)
        // A 1x3x3 image: moved down-right by one, the top row and left column reflected.
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var out = [Float](repeating: 0, count: 9)
        TestTimeView(flip: false, dx: 1, dy: 1, weight: 1).apply(image, count: 1, channels: 1, height: 3, width: 3, into: &out)
        XCTAssertEqual(out, [5, 4, 5, 2, 1, 2, 5, 4, 5])
        TestTimeView(flip: true, dx: -1, dy: -1, weight: 1).apply(image, count: 1, channels: 1, height: 3, width: 3, into: &out)
        XCTAssertEqual(out, [5, 6, 5, 8, 9, 8, 5, 6, 5], "moved up-left by one")
        TestTimeView(flip: true, weight: 1).apply(image, count: 1, channels: 1, height: 3, width: 3, into: &out)
        XCTAssertEqual(out, [3, 2, 1, 6, 5, 4, 9, 8, 7], "mirrored")
    }

    /// flip-shift logits = 1/4 (x + mirror) + 1/8 (the four moved views), each view made from
    /// the bytes by hand and run alone.
    func testViewedLogitsAreTheMeanOfTheViews() throws {
        let layers: [Layer] = [.conv(Conv(filters: .fixed(4), kernel: 3, activation: .relu)), .flatten(Flatten()),
                               .dense(Dense(units: .fixed(6)))]
        let analysis = try XCTUnwrap(ModelAnalysis.analyze(Model(input: [2, 5, 5], classes: 3, layers: layers)).analysis)
        let plan = try Compilation.compile(analysis, name: "views", purpose: .inference(folding: false), options: .init(batch: 4)).plan
        let executor = Executor(plan: plan, threads: 1)
        Initializer.initialize(executor, .glorot, scale: 1, seed: 9)
        var g = SeededGenerator(seed: 12)
        let count = 6, size = 2 * 25
        let pixels = (0..<(count * size)).map { _ in UInt8(g.next() % 256) }
        let set = ImageSet(channels: 2, height: 5, width: 5, pixels: pixels, labels: [UInt8](repeating: 0, count: count))
        func logits(_ set: ImageSet, _ tta: TestTimeAugmentation) -> [Float] {
            let batcher = Batcher(set: set, teacher: nil, teacherFlipped: nil, classes: 3, normalize: .none, inputScale: 1,
                                  augmentation: nil, statisticsFrom: set)
            var all = [Float](repeating: 0, count: set.count * 3)
            ViewedInference.run(executor, batcher: batcher, count: set.count, classes: 3, tta: tta) { start, n, z in
                for i in 0..<(n * 3) { all[start * 3 + i] = z[i] }
            }
            return all
        }
        func reflect(_ i: Int) -> Int { i < 0 ? -i : i > 4 ? 8 - i : i }
        func view(flip: Bool, d: Int) -> ImageSet {
            var moved = pixels
            for n in 0..<count {
                for c in 0..<2 {
                    for y in 0..<5 {
                        for x in 0..<5 {
                            let sx = flip ? 4 - x : x
                            moved[n * size + c * 25 + y * 5 + x] = pixels[n * size + c * 25 + reflect(y - d) * 5 + reflect(sx - d)]
                        }
                    }
                }
            }
            return ImageSet(channels: 2, height: 5, width: 5, pixels: moved, labels: set.labels)
        }
        let viewed = logits(set, .flipShift)
        var expected = [Float](repeating: 0, count: count * 3)
        for (flip, d, weight) in [(false, 0, Float(0.25)), (true, 0, 0.25), (false, 1, 0.125), (true, 1, 0.125),
                                  (false, -1, 0.125), (true, -1, 0.125)] {
            let z = logits(view(flip: flip, d: d), .none)
            for i in 0..<expected.count { expected[i] += weight * z[i] }
        }
        for i in 0..<expected.count { XCTAssertEqual(viewed[i], expected[i], accuracy: 1e-4, "logit \(i)") }
        XCTAssertNotEqual(viewed, logits(set, .none), "the views change the logits")
    }
}

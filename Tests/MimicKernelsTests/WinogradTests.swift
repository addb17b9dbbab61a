import CWinogradTiles
import MimicBasics
import MimicKernels
import MimicTestSupport
import XCTest

/// Winograd tiles against the naive convolution: the 1-D identity of the constructed
/// matrices, then the chunked forward, weight gradient and (as the forward of flipped
/// filters) input gradient, on sides that do and do not divide into tiles.
final class WinogradTests: XCTestCase {
    var generator = SeededGenerator(seed: 7)

    func random(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
    }

    /// Norm-wise: largest difference over the reference's largest magnitude (at least 1).
    /// y = Aᵀ[(G g) ⊙ (Bᵀ d)] is the correlation y_i = sum_k g_k d_{i+k}, for every tile size
    /// the engine may pick and a few it does not.
    func testMatricesComputeACorrelation() {
        for (m, r) in [(2, 3), (4, 3), (2, 5), (3, 5), (4, 5), (6, 3), (1, 1)] {
            let t = WinogradTransform(outputs: m, kernel: r)
            let a = t.alpha
            let g = (0..<r).map { _ in Double(generator.uniform(-1, 1)) }
            let d = (0..<a).map { _ in Double(generator.uniform(-1, 1)) }
            let gg = (0..<a).map { j in (0..<r).reduce(0.0) { $0 + Double(t.g[j * r + $1]) * g[$1] } }
            let bd = (0..<a).map { j in (0..<a).reduce(0.0) { $0 + Double(t.bt[j * a + $1]) * d[$1] } }
            for i in 0..<m {
                let y = (0..<a).reduce(0.0) { $0 + Double(t.at[i * a + $1]) * gg[$1] * bd[$1] }
                let expected = (0..<r).reduce(0.0) { $0 + g[$1] * d[i + $1] }
                XCTAssertEqual(y, expected, accuracy: 1e-5, "F(\(m),\(r)) output \(i)")
            }
        }
        // Lavin & Gray's F(2,3), up to the signs the construction leaves free.
        let f23 = WinogradTransform(outputs: 2, kernel: 3)
        XCTAssertEqual(f23.bt.map(abs), [1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1])
        XCTAssertEqual(f23.g.map(abs), [1, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0, 1])
    }

    /// Every version of the C transforms this CPU runs: AVX-512, AVX2/FMA and portable.
    func testChunkedConvolutionAndGradientsMatchReference() {
        defer { mimic_winograd_force(0) }
        var versions: [Int32: String] = [:]
        for choice: Int32 in [0, 2, 3] {
            mimic_winograd_force(choice)
            let lanes = mimic_winograd_lanes()
            let name = lanes == 16 ? "AVX-512" : lanes == 8 ? "AVX2" : "portable"
            guard !versions.values.contains(name) else { continue }
            versions[choice] = name
            checkChunkedConvolutionAndGradients(name)
        }
        if versions.count < 3 { print("WinogradTests: this CPU runs only \(versions.values.sorted())") }
        XCTAssertTrue(versions.values.contains("portable"))
        // The fused path runs with AVX-512 only: there, every F(4,3) case of that version.
        if versions.values.contains("AVX-512") { XCTAssertGreaterThanOrEqual(fusedRuns, 8) } else { XCTAssertEqual(fusedRuns, 0) }
    }

    /// Cases the fused path ran (F(4,3) where the CPU has AVX-512); each check adds its own.
    var fusedRuns = 0

    func checkChunkedConvolutionAndGradients(_ version: String) {
        // (channels, filters, side, kernel, outputs per tile, padding, images)
        // Rows of 8 tiles (16x16 F(2,5): the contiguous loads), 4 (16x16 F(4,3)), 8 with a step
        // of 4 (32x32 F(4,3)), 10 (a last group of 4 lanes), and small odd sides; 11 and 10
        // channels or filters: the filter transforms' eight-channel lanes and their remainder.
        // The input transform's lanes are channels: 24 (sixteen, then eight), 17 (sixteen, then
        // one), 16 (sixteen alone); 31x31 is the fast teacher's first map. 80 and 70 filters: the
        // fused path's blocks of 64 filters and a last block of 16 or 6.
        let cases = [(5, 7, 16, 5, 2, 2, 3), (3, 4, 9, 5, 2, 2, 2), (6, 5, 10, 3, 4, 1, 2), (4, 3, 7, 3, 4, 1, 3),
                     (2, 3, 8, 5, 2, 0, 2), (3, 2, 5, 3, 4, 2, 1), (4, 3, 16, 3, 4, 1, 2), (3, 2, 32, 3, 4, 1, 1),
                     (2, 3, 20, 5, 2, 2, 1), (11, 3, 8, 5, 2, 2, 1), (11, 10, 6, 3, 4, 1, 2),
                     (24, 5, 31, 3, 4, 1, 2), (17, 16, 7, 3, 4, 1, 3), (16, 9, 12, 5, 2, 2, 1),
                     (16, 80, 9, 3, 4, 1, 2), (24, 70, 12, 3, 4, 0, 1)]
        for (c, f, side, k, m, p, count) in cases {
            let label = "\(version) C\(c) F\(f) \(side)x\(side) k\(k) F(\(m),\(k)) p\(p) images \(count)"
            let tiling = WinogradTiling(WinogradTransform(outputs: m, kernel: k), channels: c, filters: f,
                                        height: side, width: side, padding: p)
            let x = random([count, c, side, side]), w = random([f, c, k, k])
            let reference = ReferenceConv2D.forward(x, w, stride: 1, padding: p)
            let (ho, wo) = (reference.shape[2], reference.shape[3])
            XCTAssertEqual([tiling.outputHeight, tiling.outputWidth], [ho, wo], label)
            var work = [Float](repeating: .nan, count: tiling.workFloats(images: count))
            var u = [Float](repeating: .nan, count: tiling.transformedWeightFloats)
            // Rows [F][count*Ho*Wo], filled with NaN so an unwritten output shows.
            var rows = [Float](repeating: .nan, count: f * count * ho * wo)
            u.withUnsafeMutableBufferPointer { tiling.transformWeights(w.data, into: $0.baseAddress!) }
            tiling.convolve(x.data, images: count, transformedWeights: u, work: &work, into: &rows)
            assertClose(Self.nchw(rows, images: count, planes: f, positions: ho * wo), reference.data, "forward \(label)",
                        tolerance: 2e-5)
            // The same straight into NCHW maps: the same bits.
            var maps = [Float](repeating: .nan, count: f * count * ho * wo)
            tiling.convolve(x.data, images: count, transformedWeights: u, work: &work, into: &maps, layout: .nchw)
            XCTAssertEqual(maps, Self.nchw(rows, images: count, planes: f, positions: ho * wo), "forward into NCHW \(label)")
            if tiling.fusedAvailable {
                // The fused path, into rows and into NCHW maps, with the same work space.
                var packed = [Float](repeating: .nan, count: tiling.packedFilterFloats)
                packed.withUnsafeMutableBufferPointer { tiling.packFilters(u, into: $0.baseAddress!) }
                var fusedRows = [Float](repeating: .nan, count: rows.count), fusedMaps = fusedRows
                tiling.convolveFused(x.data, images: count, packedFilters: packed, work: &work, into: &fusedRows)
                tiling.convolveFused(x.data, images: count, packedFilters: packed, work: &work, into: &fusedMaps, layout: .nchw)
                assertClose(Self.nchw(fusedRows, images: count, planes: f, positions: ho * wo), reference.data,
                            "fused forward \(label)", tolerance: 2e-5)
                XCTAssertEqual(fusedMaps, Self.nchw(fusedRows, images: count, planes: f, positions: ho * wo),
                               "fused forward into NCHW \(label)")
                fusedRuns += 1
            }

            let dy = random([count, f, ho, wo])
            var partial = [Float](repeating: 0, count: tiling.transformedWeightFloats)
            var dw = [Float](repeating: .nan, count: f * c * k * k)
            let dyRows = Self.rows(dy.data, images: count, planes: f, positions: ho * wo)
            // Two calls accumulate: the images one by one, as chunks of one.
            for b in 0..<count {
                let image = Array(dy.data[(b * f * ho * wo)..<((b + 1) * f * ho * wo)])
                x.data.withUnsafeBufferPointer { xs in
                    tiling.accumulateWeightGradient(xs.baseAddress! + b * c * side * side, images: 1, outputGradient: image,
                                                    work: &work, into: &partial)
                }
            }
            dw.withUnsafeMutableBufferPointer { tiling.finishWeightGradient(partial, into: $0.baseAddress!) }
            assertClose(dw, ReferenceConv2D.gradWeight(dy, x, kernel: k, stride: 1, padding: p).data,
                        "weight gradient, image by image, \(label)", tolerance: 5e-5)
            partial = [Float](repeating: 0, count: tiling.transformedWeightFloats)
            tiling.accumulateWeightGradient(x.data, images: count, outputGradient: dyRows, work: &work, into: &partial)
            dw.withUnsafeMutableBufferPointer { tiling.finishWeightGradient(partial, into: $0.baseAddress!) }
            assertClose(dw, ReferenceConv2D.gradWeight(dy, x, kernel: k, stride: 1, padding: p).data,
                        "weight gradient, one chunk, \(label)", tolerance: 5e-5)

            // The input gradient is the forward of dy with the filters flipped and transposed.
            guard p <= k - 1 else { continue }
            let back = WinogradTiling(tiling.transform, channels: f, filters: c, height: ho, width: wo, padding: k - 1 - p)
            var flipped = [Float](repeating: 0, count: c * f * k * k)
            for o in 0..<f { for ch in 0..<c { for i in 0..<(k * k) {
                flipped[(ch * f + o) * k * k + i] = w.data[(o * c + ch) * k * k + k * k - 1 - i]
            } } }
            var backWork = [Float](repeating: .nan, count: back.workFloats(images: count))
            var backU = [Float](repeating: .nan, count: back.transformedWeightFloats)
            var dxRows = [Float](repeating: .nan, count: c * count * side * side)
            backU.withUnsafeMutableBufferPointer { back.transformWeights(flipped, into: $0.baseAddress!) }
            back.convolve(dy.data, images: count, transformedWeights: backU, work: &backWork, into: &dxRows)
            assertClose(Self.nchw(dxRows, images: count, planes: c, positions: side * side),
                        ReferenceConv2D.gradInput(dy, w, inputShape: x.shape, stride: 1, padding: p).data,
                        "input gradient \(label)", tolerance: 2e-5)
        }
    }

    /// [F][count*P] rows -> NCHW.
    static func nchw(_ rows: [Float], images: Int, planes: Int, positions: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count)
        for b in 0..<images { for f in 0..<planes { for i in 0..<positions {
            out[(b * planes + f) * positions + i] = rows[f * images * positions + b * positions + i]
        } } }
        return out
    }

    /// NCHW -> [F][count*P] rows.
    static func rows(_ nchw: [Float], images: Int, planes: Int, positions: Int) -> [Float] {
        var out = [Float](repeating: 0, count: nchw.count)
        for b in 0..<images { for f in 0..<planes { for i in 0..<positions {
            out[f * images * positions + b * positions + i] = nchw[(b * planes + f) * positions + i]
        } } }
        return out
    }
}

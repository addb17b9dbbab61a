import MimicBasics
import MimicKernels
import MimicTestSupport
import XCTest

/// The packed dense product (`PackedGEMM`) against a naive double-precision twin, on every
/// kernel this CPU has: shapes around the tile and panel sizes and the depth of one pass,
/// bias and ReLU epilogues, columns it must not touch, and the same bits for any split of
/// the work and either instruction set.
final class PackedGEMMTests: XCTestCase {
    /// The kernels to check here: the CPU's best, and AVX2 where that is a different one.
    static var kernels: [PackedGEMM.Kernel] {
        let best = PackedGEMM.with(.best) { PackedGEMM.available ? mimicWidth() : 0 }
        let avx2 = PackedGEMM.with(.avx2) { PackedGEMM.available ? mimicWidth() : 0 }
        var kernels: [PackedGEMM.Kernel] = []
        if best > 0 { kernels.append(.best) }
        if avx2 > 0 && avx2 != best { kernels.append(.avx2) }
        return kernels
    }

    /// Output columns of a panel: 32 (AVX-512) or 16 (AVX2), read from the packed size.
    static func mimicWidth() -> Int { PackedGEMM.floats(n: 1024, k: 1) / PackedGEMM.panels(n: 1024) }

    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &g) }
    }

    /// c [m, n] of a product split into `pieces` contiguous item ranges, run last first; the
    /// columns past n (ldc = n + 3) must keep their marker.
    static func product(m: Int, n: Int, k: Int, a: [Float], w: [Float], bias: [Float]?, relu: Bool, pieces: Int) -> [Float] {
        var packed = [Float](repeating: .nan, count: max(1, PackedGEMM.floats(n: n, k: k)))
        let panels = PackedGEMM.panels(n: n)
        packed.withUnsafeMutableBufferPointer { p in
            // Packed in two halves, as two threads would.
            PackedGEMM.pack(w, n: n, k: k, into: p.baseAddress!, panels: 0..<(panels / 2))
            PackedGEMM.pack(w, n: n, k: k, into: p.baseAddress!, panels: (panels / 2)..<panels)
        }
        let ldc = n + 3
        var c = [Float](repeating: 7777, count: m * ldc)
        let items = PackedGEMM.items(m: m, n: n)
        for piece in (0..<pieces).reversed() {
            let range = (items * piece / pieces)..<(items * (piece + 1) / pieces)
            c.withUnsafeMutableBufferPointer { cp in
                bias.withOptionalPointer { b in
                    PackedGEMM.multiply(m: m, n: n, k: k, a: a, lda: k, packed: packed, bias: b, relu: relu,
                                        c: cp.baseAddress!, ldc: ldc, items: range)
                }
            }
        }
        for i in 0..<m { for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], 7777, "column \(j) past n was written") } }
        return (0..<m).flatMap { i in c[(i * ldc)..<(i * ldc + n)] }
    }

    static func reference(m: Int, n: Int, k: Int, a: [Float], w: [Float], bias: [Float]?, relu: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(bias?[j] ?? 0)
                for t in 0..<k { sum += Double(a[i * k + t]) * Double(w[j * k + t]) }
                c[i * n + j] = Float(relu ? max(0, sum) : sum)
            }
        }
        return c
    }

    func testProductsMatchTheNaiveTwinOnEveryKernel() throws {
        let kernels = Self.kernels
        try XCTSkipIf(kernels.isEmpty, "this CPU has neither AVX-512 nor AVX2 with FMA: dense layers use BLAS")
        // Rows around the tiles (12, 6), columns around the panels (32, 16) and half panels,
        // depths around one pass (256), and a layer without inputs.
        let shapes = [(1, 1, 1), (5, 7, 3), (12, 32, 256), (13, 33, 257), (6, 16, 255), (7, 17, 64), (25, 48, 600),
                      (30, 70, 2), (11, 9, 513), (3, 193, 40), (4, 5, 0)]
        for kernel in kernels {
            PackedGEMM.with(kernel) {
                for (index, (m, n, k)) in shapes.enumerated() {
                    let a = Self.random(m * k, seed: UInt64(10 + index)), w = Self.random(n * k, seed: UInt64(50 + index))
                    let bias = Self.random(n, seed: UInt64(90 + index))
                    for (b, relu) in [(nil, false), (bias, false), (bias, true), (nil, true)] as [([Float]?, Bool)] {
                        let what = "\(kernel) m=\(m) n=\(n) k=\(k) bias=\(b != nil) relu=\(relu)"
                        let fast = Self.product(m: m, n: n, k: k, a: a, w: w, bias: b, relu: relu, pieces: 1)
                        let expected = Self.reference(m: m, n: n, k: k, a: a, w: w, bias: b, relu: relu)
                        // Each value is a sum of k products of values in [-1, 1].
                        assertElementsClose(fast, expected, what, tolerance: 2e-6 * Float(max(k, 1)))
                        if relu { XCTAssertTrue(fast.allSatisfy { $0 >= 0 }, what) }
                    }
                }
            }
        }
    }

    func testAnySplitOfTheWorkAndEitherKernelGiveTheSameBits() throws {
        let kernels = Self.kernels
        try XCTSkipIf(kernels.isEmpty, "this CPU has neither AVX-512 nor AVX2 with FMA: dense layers use BLAS")
        let (m, n, k) = (29, 75, 700)
        let a = Self.random(m * k, seed: 1), w = Self.random(n * k, seed: 2), bias = Self.random(n, seed: 3)
        var results: [[Float]] = []
        for kernel in kernels {
            PackedGEMM.with(kernel) {
                let whole = Self.product(m: m, n: n, k: k, a: a, w: w, bias: bias, relu: true, pieces: 1)
                for pieces in [2, 3, 7, PackedGEMM.items(m: m, n: n)] {
                    let split = Self.product(m: m, n: n, k: k, a: a, w: w, bias: bias, relu: true, pieces: pieces)
                    XCTAssertEqual(split, whole, "\(kernel): \(pieces) pieces")
                }
                results.append(whole)
            }
        }
        // Both instruction sets sum each value over k in the same order, one fused
        // multiply-add at a time.
        for other in results.dropFirst() { XCTAssertEqual(other, results[0], "AVX2 and AVX-512") }
    }

    func testALastPanelOfAtMostHalfTheWidthIsStoredAtHalfTheWidth() throws {
        try PackedGEMM.with(.best) {
            try XCTSkipIf(!PackedGEMM.available, "no packed kernel on this CPU")
            let width = Self.mimicWidth()
            XCTAssertTrue(width == 32 || width == 16, "\(width)")
            XCTAssertEqual(PackedGEMM.panels(n: 6 * width + 1), 7)
            XCTAssertEqual(PackedGEMM.floats(n: 6 * width + 1, k: 10), 6 * width * 10 + width / 2 * 10)
            XCTAssertEqual(PackedGEMM.floats(n: 6 * width + width / 2 + 1, k: 10), 7 * width * 10)
            XCTAssertEqual(PackedGEMM.floats(n: 0, k: 10), 0)
        }
        PackedGEMM.with(.none) {
            XCTAssertFalse(PackedGEMM.available)
            XCTAssertEqual(PackedGEMM.items(m: 128, n: 100), 0)
        }
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<T>(_ body: (UnsafePointer<Float>?) -> T) -> T {
        switch self {
        case .some(let values): values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}

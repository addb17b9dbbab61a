@testable import MimicBLAS
import XCTest

/// The BLAS wrapper against a naive triple loop, on odd shapes and every transpose.
final class SGEMMTests: XCTestCase {
    /// Reference: C = alpha * op(A) op(B) + beta * C in Double, row-major.
    func reference(
        _ ta: BLAS.Transpose, _ tb: BLAS.Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float],
        b: [Float], beta: Float, c: [Float]
    ) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = ta == .none ? a[i * k + p] : a[p * m + i]
                    let y = tb == .none ? b[p * n + j] : b[j * k + p]
                    sum += Double(x) * Double(y)
                }
                out[i * n + j] = Float(Double(alpha) * sum + Double(beta) * Double(c[i * n + j]))
            }
        }
        return out
    }

    func testAgainstReferenceOnOddShapes() {
        var seed: UInt64 = 7
        func random() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed >> 11) % 2000) / 1000 - 1
        }
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 1, 33), (64, 65, 63), (5, 129, 2)] {
            for ta in [BLAS.Transpose.none, .transposed] {
                for tb in [BLAS.Transpose.none, .transposed] {
                    let a = (0..<(m * k)).map { _ in random() }
                    let b = (0..<(k * n)).map { _ in random() }
                    let c = (0..<(m * n)).map { _ in random() }
                    let want = reference(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: 2, c: c)
                    var got = c
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            got.withUnsafeMutableBufferPointer { pc in
                                BLAS.sgemm(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!,
                                           lda: ta == .none ? k : m, b: pb.baseAddress!, ldb: tb == .none ? n : k,
                                           beta: 2, c: pc.baseAddress!, ldc: n)
                            }
                        }
                    }
                    for i in 0..<(m * n) {
                        XCTAssertEqual(got[i], want[i], accuracy: 1e-4 * Float(k), "\(m)x\(n)x\(k) \(ta) \(tb) at \(i)")
                    }
                }
            }
        }
    }

    func testConfigurationNamesOpenBLAS() {
        XCTAssertTrue(BLAS.configuration.contains("OpenBLAS"), BLAS.configuration)
        XCTAssertGreaterThanOrEqual(BLAS.threads, 1)
    }
}

/// The kernel choice: a generic fallback is replaced only by a kernel whose instructions the
/// CPU has, and never a kernel OpenBLAS chose for a CPU it knows.
final class BLASCoreTests: XCTestCase {
    func testAFallbackKernelGivesWayOnlyToOneTheCPURuns() {
        let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        XCTAssertEqual(BLASCore.preferred(over: "Prescott", flags: avx512), "SkylakeX")
        XCTAssertEqual(BLASCore.preferred(over: "Core2", flags: ["avx2", "fma", "avx512f"]), "Haswell", "AVX-512 without BW, DQ, VL")
        XCTAssertNil(BLASCore.preferred(over: "Prescott", flags: ["sse3", "avx"]), "nothing better to run")
        XCTAssertNil(BLASCore.preferred(over: "Zen", flags: avx512), "a kernel OpenBLAS chose for a CPU it knows")
        XCTAssertNil(BLASCore.preferred(over: "SkylakeX", flags: avx512))
    }

    /// Whatever this machine is, the kernel loaded in this process (no restart here) is a
    /// real one, and the rule gives an answer a restarted mimicc would load.
    func testTheLoadedKernelIsNamed() {
        XCTAssertFalse(BLASCore.name.isEmpty)
        XCTAssertNotEqual(BLASCore.name, "unknown")
        if let better = BLASCore.preferred(over: BLASCore.name, flags: BLASCore.cpuFlags()) {
            XCTAssertTrue(["SkylakeX", "Haswell"].contains(better))
        }
    }
}

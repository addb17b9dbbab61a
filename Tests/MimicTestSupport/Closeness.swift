import XCTest

/// Norm-wise, as BLAS tests measure: the largest difference over the reference's largest
/// magnitude (at least 1). Sums of thousands of products round differently in another order,
/// and an element that cancels to near zero carries the rounding of its terms. A NaN (an
/// output never written) is within no tolerance.
public func assertClose(
    _ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 5e-4, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let scale = max(1, b.reduce(0) { max($0, abs($1)) })
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y) / scale
        if !(difference <= worst) { worst = difference }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, what, file: file, line: line)
}

/// Element by element, each relative to its reference (at least 1): for kernels whose every
/// output is a short sum, so no element may hide behind a large neighbour.
public func assertElementsClose(
    _ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= tolerance * max(1, abs(y))) {
        return XCTFail("\(what): element \(i) is \(x), reference \(y)", file: file, line: line)
    }
}

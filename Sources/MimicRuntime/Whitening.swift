/// The whitening filters of a first convolution (the fast CIFAR-10 recipe's frozen stem):
/// for every kernel-sized patch of the images (stride 1, no padding), the covariance of its
/// C x k x k values; its eigenvectors, each scaled by 1 / sqrt(eigenvalue + epsilon), are
/// filters whose outputs are decorrelated with unit variance (less where the eigenvalue is
/// small against epsilon); then the same filters negated, so a following ReLU or GELU keeps
/// both signs. Computed in Double: the smallest eigenvalues of image patches are tiny.
public enum Whitening {
    /// `images` holds `count` images of `channels` x `height` x `width` floats. Returns
    /// 2 x C k k filters in the convolution's [F, C, k, k] layout, ascending eigenvalue first.
    public static func filters(images: UnsafePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
                               kernel: Int, epsilon: Double) -> [Float] {
        let covariance = patchCovariance(images: images, count: count, channels: channels, height: height, width: width, kernel: kernel)
        let d = channels * kernel * kernel
        let (values, vectors) = SymmetricEigen.decompose(covariance, size: d)
        var filters = [Float](repeating: 0, count: 2 * d * d)
        for j in 0..<d {
            let scale = 1 / (max(values[j], 0) + epsilon).squareRoot()
            for i in 0..<d {
                let w = Float(vectors[i * d + j] * scale)
                filters[j * d + i] = w
                filters[(d + j) * d + i] = -w
            }
        }
        return filters
    }

    /// The covariance (mean removed, divided by the number of patches) of the C k k values of
    /// every patch, ordered channel, row, column as a filter's weights are.
    public static func patchCovariance(images: UnsafePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
                                       kernel: Int) -> [Double] {
        let d = channels * kernel * kernel
        let rows = height - kernel + 1, columns = width - kernel + 1
        var sum = [Double](repeating: 0, count: d), products = [Double](repeating: 0, count: d * d)
        var patch = [Double](repeating: 0, count: d)
        for n in 0..<count {
            let image = images + n * channels * height * width
            for y in 0..<rows {
                for x in 0..<columns {
                    var i = 0
                    for c in 0..<channels {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                patch[i] = Double(image[(c * height + y + ky) * width + x + kx])
                                i += 1
                            }
                        }
                    }
                    for i in 0..<d {
                        sum[i] += patch[i]
                        for j in i..<d { products[i * d + j] += patch[i] * patch[j] }
                    }
                }
            }
        }
        let total = Double(max(1, count * rows * columns))
        var covariance = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in i..<d {
                let value = products[i * d + j] / total - sum[i] / total * sum[j] / total
                covariance[i * d + j] = value
                covariance[j * d + i] = value
            }
        }
        return covariance
    }
}

/// Eigenvalues and eigenvectors of a small symmetric matrix by cyclic Jacobi rotations:
/// slower than LAPACK's methods for large matrices, exact to rounding for the dozen rows of
/// a patch covariance, and free of a LAPACK dependency.
public enum SymmetricEigen {
    /// `matrix` is `size` x `size`, row-major and symmetric. Returns the eigenvalues in
    /// ascending order and the eigenvectors as the columns of a row-major matrix, in the same order.
    public static func decompose(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in 0..<n where p != q { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * scale || off == 0 { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    // The rotation that zeroes a[p][q]: t = tan(angle), the smaller root.
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let kp = a[k * n + p], kq = a[k * n + q]
                        a[k * n + p] = c * kp - s * kq
                        a[k * n + q] = s * kp + c * kq
                    }
                    for k in 0..<n {
                        let pk = a[p * n + k], qk = a[q * n + k]
                        a[p * n + k] = c * pk - s * qk
                        a[q * n + k] = s * pk + c * qk
                    }
                    for k in 0..<n {
                        let kp = v[k * n + p], kq = v[k * n + q]
                        v[k * n + p] = c * kp - s * kq
                        v[k * n + q] = s * kp + c * kq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for k in 0..<n { vectors[k * n + column] = v[k * n + source] }
        }
        return (order.map { a[$0 * n + $0] }, vectors)
    }
}

import Foundation

/// The IDX format of MNIST and the data sets that copy its layout (Fashion-MNIST, KMNIST):
/// a big-endian header (two zero bytes, the type 0x08 for unsigned bytes, the number of
/// dimensions, then each dimension as a 32-bit integer) followed by the bytes.
/// http://yann.lecun.com/exdb/mnist/
public enum IDXFile {
    /// The dimensions and the data of an unsigned-byte IDX file.
    public static func parse(_ bytes: [UInt8], path: String) throws -> (shape: [Int], data: ArraySlice<UInt8>) {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DataError("'\(path)' is not an IDX file (it does not start with two zero bytes)",
                            hint: "give the files as published, e.g. train-images-idx3-ubyte.gz")
        }
        guard bytes[2] == 0x08 else { throw DataError("'\(path)' holds IDX type 0x\(String(bytes[2], radix: 16)); mimicc reads unsigned bytes (0x08)") }
        let rank = Int(bytes[3])
        guard rank >= 1, rank <= 4, bytes.count >= 4 + 4 * rank else { throw DataError("'\(path)' is truncated in its IDX header") }
        let shape = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        let start = 4 + 4 * rank, count = shape.reduce(1, *)
        guard bytes.count - start == count else {
            throw DataError("'\(path)' should hold \(count) bytes for shape \(shape) but has \(bytes.count - start)",
                            hint: "the file is truncated or was unpacked incompletely")
        }
        return (shape, bytes[start...])
    }
}

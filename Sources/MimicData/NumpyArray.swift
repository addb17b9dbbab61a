import Foundation
import MimicBasics

/// Reads .npy files (format versions 1, 2 and 3) holding a C-ordered little-endian float32
/// matrix, as teacher logits are stored; anything else is an error that names the problem.
public enum NumpyArray {
    public struct Matrix: Sendable {
        public var rows: Int
        public var columns: Int
        public var values: [Float]

        public init(rows: Int, columns: Int, values: [Float]) {
            self.rows = rows
            self.columns = columns
            self.values = values
        }
    }

    public static func readMatrix(_ path: String) throws -> Matrix {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("logit file '\(path)' is missing or unreadable", hint: "teacher paths are relative to the spec that names them")
        }
        return try parseMatrix([UInt8](data), path: path)
    }

    public static func parseMatrix(_ bytes: [UInt8], path: String) throws -> Matrix {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DataError("'\(path)' is not a .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError("'\(path)' is truncated in its .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DataError("'\(path)' uses .npy format version \(major), which mimicc does not read (1, 2 or 3)")
        }
        guard bytes.count >= headerStart + headerLength else { throw DataError("'\(path)' is truncated in its .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = value(of: "descr", in: header) else { throw DataError("'\(path)': .npy header has no 'descr'") }
        guard descr == "'<f4'" || descr == "'float32'" else {
            throw DataError("'\(path)' holds \(descr) values; teacher logits must be float32 ('<f4')",
                            hint: "save them with numpy: np.save(path, logits.astype(np.float32))")
        }
        guard value(of: "fortran_order", in: header) == "False" else {
            throw DataError("'\(path)' is in Fortran order; logits must be C order", hint: "save np.ascontiguousarray(logits)")
        }
        guard let shapeText = value(of: "shape", in: header) else { throw DataError("'\(path)': .npy header has no 'shape'") }
        let dims = shapeText.filter { "0123456789,".contains($0) }.split(separator: ",").compactMap { Int($0) }
        guard dims.count == 2 else {
            throw DataError("'\(path)' has shape \(shapeText); teacher logits are a matrix [images, classes]")
        }
        let start = headerStart + headerLength, count = dims[0] * dims[1]
        guard bytes.count - start == count * 4 else {
            throw DataError("'\(path)' should hold \(count) float32 values for shape \(shapeText) but has \(bytes.count - start) bytes of data",
                            hint: "the file is truncated or was written incompletely")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { raw in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start...])) }
        }
        // .npy stores little-endian here ('<f4'); convert on big-endian hosts.
        if UInt32(1).bigEndian == 1 { values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
        guard values.allSatisfy(\.isFinite) else { throw DataError("'\(path)' contains NaN or infinite logits") }
        return Matrix(rows: dims[0], columns: dims[1], values: values)
    }

    /// The text of a key's value in the header dict, e.g. `'<f4'`, `False`, `(50000, 10)`.
    static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        rest = rest[..<end]
        return String(rest).trimmingCharacters(in: .whitespaces)
    }

    /// Writes a float32 matrix as .npy version 1 (for `mimicc logits` and tests).
    public static func write(_ m: Matrix, to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(m.rows), \(m.columns)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        m.values.withUnsafeBytes { bytes += $0 }
        try AtomicFile.write(Data(bytes), to: path)
    }
}

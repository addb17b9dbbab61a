import Foundation
import MimicBasics

/// Reads .npy files (format versions 1, 2 and 3) in C order: float32 matrices (teacher
/// logits), images (uint8 or float32) and integer labels; anything else is an error that
/// names the problem.
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

    /// A device or a pipe named where a .npy file belongs would never end (or block): only
    /// regular files are read.
    static func ensureRegularFile(_ path: String) throws {
        guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType else { return }
        guard type == .typeRegular else { throw DataError("'\(path)' is not a regular file", hint: "name a .npy file") }
    }

    public static func readMatrix(_ path: String) throws -> Matrix {
        try parseMatrix(contents(path, what: "logit file", hint: "teacher paths are relative to the spec that names them"), path: path)
    }

    public static func parseMatrix(_ bytes: [UInt8], path: String) throws -> Matrix {
        let header = try parseHeader(bytes, path: path)
        guard header.type == .float32 else {
            throw DataError("'\(path)' holds \(header.descr) values; teacher logits must be float32 ('<f4')",
                            hint: "save them with numpy: np.save(path, logits.astype(np.float32))")
        }
        guard header.shape.count == 2 else {
            throw DataError("'\(path)' has shape \(header.shapeText); teacher logits are a matrix [images, classes]")
        }
        let values = try floats(bytes, header, path: path)
        guard values.allSatisfy(\.isFinite) else { throw DataError("'\(path)' contains NaN or infinite logits") }
        return Matrix(rows: header.shape[0], columns: header.shape[1], values: values)
    }

    /// The element types mimicc reads: float32 (logits, float images) and integers (byte
    /// images, labels), little-endian or single-byte.
    public enum ElementType: String, Sendable {
        case float32 = "f4", uint8 = "u1", int8 = "i1", uint16 = "u2", int16 = "i2", uint32 = "u4", int32 = "i4"
        case uint64 = "u8", int64 = "i8"

        var size: Int { Int(rawValue.dropFirst())! }
        var isInteger: Bool { self != .float32 }
    }

    /// What a .npy header says: the element type, C order, the shape, where the data start.
    public struct Header: Sendable {
        public var descr: String
        public var type: ElementType
        public var shape: [Int]
        public var dataStart: Int

        public var count: Int { shape.reduce(1) { SaturatingCount.product($0, $1) } }
        public var shapeText: String { "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")") }
    }

    /// Reads only the header of a file (a few hundred bytes), for shapes at lint time.
    public static func readHeader(_ path: String) throws -> Header {
        try ensureRegularFile(path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError("'\(path)' is missing or unreadable") }
        defer { try? handle.close() }
        let bytes = [UInt8](handle.readData(ofLength: 65_536 + 12))
        return try parseHeader(bytes, path: path, wholeFile: false)
    }

    /// Parses the magic, version and header dict. `wholeFile`: `bytes` is the whole file, so
    /// its length must match the shape.
    public static func parseHeader(_ bytes: [UInt8], path: String, wholeFile: Bool = true) throws -> Header {
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
        let text = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let quoted = value(of: "descr", in: text) else { throw DataError("'\(path)': .npy header has no 'descr'") }
        let descr = quoted.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        // A byte order ('<' little-endian, '|' none for one byte), then the type; numpy also
        // writes the names 'float32' and 'uint8'. Big-endian data ('>') is refused.
        let spelled = ["float32": "<f4", "uint8": "|u1"][descr] ?? descr
        let order = spelled.first, code = String(spelled.dropFirst())
        guard let type = ElementType(rawValue: code), order == "<" || order == "|" || order == "=" || type.size == 1 else {
            throw DataError("'\(path)' holds '\(descr)' values, which mimicc does not read",
                            hint: "mimicc reads little-endian float32 ('<f4'), uint8 and integer ('<i8', '<i4', ...) arrays")
        }
        guard value(of: "fortran_order", in: text) == "False" else {
            throw DataError("'\(path)' is in Fortran order; mimicc reads C order", hint: "save np.ascontiguousarray(array)")
        }
        guard let shapeText = value(of: "shape", in: text) else { throw DataError("'\(path)': .npy header has no 'shape'") }
        let shape = shapeText.filter { "0123456789,".contains($0) }.split(separator: ",").compactMap { Int($0) }
        let header = Header(descr: descr, type: type, shape: shape, dataStart: headerStart + headerLength)
        let expected = SaturatingCount.product(header.count, type.size)
        if wholeFile, bytes.count - header.dataStart != expected {
            throw DataError("'\(path)' should hold \(header.count) \(descr) values for shape \(shapeText) but has \(bytes.count - header.dataStart) bytes of data",
                            hint: "the file is truncated or was written incompletely")
        }
        return header
    }

    /// The data of a float32 file.
    static func floats(_ bytes: [UInt8], _ header: Header, path: String) throws -> [Float] {
        var values = [Float](repeating: 0, count: header.count)
        values.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { raw in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[header.dataStart...])) }
        }
        // .npy stores little-endian here ('<f4'); convert on big-endian hosts.
        if UInt32(1).bigEndian == 1 { values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
        return values
    }

    /// The data of an integer file as Ints.
    static func integers(_ bytes: [UInt8], _ header: Header) -> [Int] {
        let size = header.type.size, start = header.dataStart
        return (0..<header.count).map { i in
            var raw: UInt64 = 0
            for b in 0..<size { raw |= UInt64(bytes[start + i * size + b]) << (8 * UInt64(b)) }
            switch header.type {
            case .int8: return Int(Int8(truncatingIfNeeded: raw))
            case .int16: return Int(Int16(truncatingIfNeeded: raw))
            case .int32: return Int(Int32(truncatingIfNeeded: raw))
            case .int64: return Int(Int64(bitPattern: raw))
            default: return Int(truncatingIfNeeded: raw)
            }
        }
    }

    /// A whole file's bytes, or an error that names it.
    static func contents(_ path: String, what: String,
                         hint: String = "data.files paths are relative to the spec that names them") throws -> [UInt8] {
        try ensureRegularFile(path)
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(what) '\(path)' is missing or unreadable", hint: hint) }
        return [UInt8](data)
    }

    /// Images: uint8 (read as value / 255) or float32 (read as stored, finite), shape [N, ...].
    public static func readImages(_ path: String) throws -> (header: Header, pixels: ImageSet.Pixels) {
        let bytes = try contents(path, what: "image file")
        let header = try parseHeader(bytes, path: path)
        switch header.type {
        case .uint8:
            return (header, .bytes(Array(bytes[header.dataStart...])))
        case .float32:
            let values = try floats(bytes, header, path: path)
            guard values.allSatisfy(\.isFinite) else { throw DataError("'\(path)' contains NaN or infinite pixel values") }
            return (header, .floats(values))
        default:
            throw DataError("'\(path)' holds \(header.descr) pixels; images must be uint8 or float32",
                            hint: "save them with numpy as images.astype(np.uint8) (0-255) or images.astype(np.float32)")
        }
    }

    /// Labels: one integer per image, shape [N] or [N, 1].
    public static func readLabels(_ path: String) throws -> [Int] {
        let bytes = try contents(path, what: "label file")
        let header = try parseHeader(bytes, path: path)
        guard header.type.isInteger else {
            throw DataError("'\(path)' holds \(header.descr) labels; labels are integers", hint: "save labels.astype(np.int64)")
        }
        guard header.shape.count == 1 || (header.shape.count == 2 && header.shape[1] == 1) else {
            throw DataError("'\(path)' has shape \(header.shapeText); labels are one integer per image, shape (N,)")
        }
        return integers(bytes, header)
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
        var data: [UInt8] = []
        m.values.withUnsafeBytes { data += $0 }
        try write(data, descr: "<f4", shape: [m.rows, m.columns], to: path)
    }

    /// Writes little-endian `data` of type `descr` (such as "|u1", "<i8", "<f4") and `shape`
    /// as .npy version 1.
    public static func write(_ data: [UInt8], descr: String, shape: [Int], to path: String) throws {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes += data
        try AtomicFile.write(Data(bytes), to: path)
    }
}

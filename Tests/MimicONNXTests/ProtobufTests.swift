import MimicONNX
import XCTest

/// The wire format against hand-worked encodings from the protobuf documentation.
final class ProtobufTests: XCTestCase {
    func testVarintsStringsAndNestedMessages() {
        var w = ProtobufWriter()
        w.int(1, 150)  // the documentation's example: 08 96 01
        XCTAssertEqual(w.bytes, [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.string(2, "testing")
        XCTAssertEqual(w.bytes, [0x12, 0x07] + Array("testing".utf8))
        w = ProtobufWriter()
        w.message(3) { $0.int(1, 150) }
        XCTAssertEqual(w.bytes, [0x1A, 0x03, 0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.packedInts(4, [3, 270, 86942])  // the documentation's packed example
        XCTAssertEqual(w.bytes, [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        w = ProtobufWriter()
        w.int(1, -1)  // ten bytes: negative int64s are sign-extended
        XCTAssertEqual(w.bytes, [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        w = ProtobufWriter()
        w.float(2, 1)
        XCTAssertEqual(w.bytes, [0x15, 0x00, 0x00, 0x80, 0x3F])
    }

    func testATensorIsRawLittleEndianFloats() {
        let model = ONNXModel(graph: {
            var g = ONNXGraph(name: "g")
            g.initializers = [ONNXTensor(name: "w", dims: [2], values: [1, -2])]
            return g
        }(), producerVersion: "0", docString: "")
        let bytes = model.serialized()
        // The tensor's raw_data field: tag 9 (0x4A), 8 bytes, 1.0 and -2.0.
        let raw: [UInt8] = [0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]
        XCTAssertTrue(bytes.indices.contains { Array(bytes[$0...].prefix(raw.count)) == raw })
        XCTAssertEqual(Array(bytes.prefix(2)), [0x08, 0x08], "ir_version 8 first")
    }
}

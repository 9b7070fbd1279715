import NIOCore

/// Writing Kafka's primitive types (big-endian integers, int16-length strings, int32-length bytes and arrays,
/// and the zigzag varints of RecordBatch v2).
extension ByteBuffer {
    mutating func writeKafkaString(_ string: String) {
        writeInteger(Int16(string.utf8.count))
        writeString(string)
    }

    mutating func writeKafkaNullableString(_ string: String?) {
        guard let string else { writeInteger(Int16(-1)); return }
        writeKafkaString(string)
    }

    mutating func writeKafkaBytes(_ bytes: ByteBuffer?) {
        guard var bytes else { writeInteger(Int32(-1)); return }
        writeInteger(Int32(bytes.readableBytes))
        writeBuffer(&bytes)
    }

    mutating func writeKafkaArray<Element>(_ elements: [Element], _ write: (inout ByteBuffer, Element) -> Void) {
        writeInteger(Int32(elements.count))
        for element in elements { write(&self, element) }
    }

    mutating func writeKafkaBool(_ value: Bool) { writeInteger(UInt8(value ? 1 : 0)) }

    /// An unsigned LEB128 varint.
    mutating func writeUnsignedVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    /// A zigzag-encoded signed varint (RecordBatch v2's varint and varlong).
    mutating func writeVarint(_ value: Int64) {
        writeUnsignedVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func writeVarintBytes(_ bytes: [UInt8]?) {
        guard let bytes else { writeVarint(-1); return }
        writeVarint(Int64(bytes.count))
        writeBytes(bytes)
    }
}

import NIOCore

/// Reads Kafka's primitive types from a response, throwing `KafkaError.malformedResponse` naming the API when
/// the buffer ends early or a length is impossible.
struct KafkaReader {
    var buffer: ByteBuffer
    let api: String

    init(_ buffer: ByteBuffer, api: String) {
        self.buffer = buffer
        self.api = api
    }

    var readableBytes: Int { buffer.readableBytes }

    func malformed(_ reason: String) -> KafkaError { .malformedResponse(api: api, reason: reason) }

    mutating func int8() throws(KafkaError) -> Int8 { try integer() }
    mutating func int16() throws(KafkaError) -> Int16 { try integer() }
    mutating func int32() throws(KafkaError) -> Int32 { try integer() }
    mutating func int64() throws(KafkaError) -> Int64 { try integer() }
    mutating func uint32() throws(KafkaError) -> UInt32 { try integer() }
    mutating func bool() throws(KafkaError) -> Bool { try int8() != 0 }

    mutating func integer<T: FixedWidthInteger>() throws(KafkaError) -> T {
        guard let value = buffer.readInteger(as: T.self) else {
            throw malformed("ended early reading a \(T.self)")
        }
        return value
    }

    mutating func string() throws(KafkaError) -> String {
        guard let string = try nullableString() else { throw malformed("a required string was null") }
        return string
    }

    mutating func nullableString() throws(KafkaError) -> String? {
        let length = try int16()
        if length < 0 { return nil }
        guard let string = buffer.readString(length: Int(length)) else { throw malformed("a string ran past the end") }
        return string
    }

    mutating func nullableBytes() throws(KafkaError) -> ByteBuffer? {
        let length = try int32()
        if length < 0 { return nil }
        guard let bytes = buffer.readSlice(length: Int(length)) else { throw malformed("bytes ran past the end") }
        return bytes
    }

    mutating func bytes() throws(KafkaError) -> ByteBuffer {
        try nullableBytes() ?? ByteBuffer()
    }

    mutating func array<Element>(_ read: (inout KafkaReader) throws(KafkaError) -> Element) throws(KafkaError)
        -> [Element]
    {
        let count = try int32()
        if count < 0 { return [] }
        guard Int(count) <= buffer.readableBytes else { throw malformed("an array claims \(count) elements") }
        var elements: [Element] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count { elements.append(try read(&self)) }
        return elements
    }

    mutating func unsignedVarint() throws(KafkaError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            let byte: UInt8 = try integer()
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw malformed("a varint is longer than 10 bytes")
    }

    /// A zigzag-encoded signed varint.
    mutating func varint() throws(KafkaError) -> Int64 {
        let raw = try unsignedVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func varintBytes() throws(KafkaError) -> [UInt8]? {
        let length = try varint()
        if length < 0 { return nil }
        guard let bytes = buffer.readBytes(length: Int(length)) else {
            throw malformed("varint bytes ran past the end")
        }
        return bytes
    }
}

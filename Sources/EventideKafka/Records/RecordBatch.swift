import NIOCore

/// Kafka's RecordBatch v2 (magic 2): the on-wire and on-disk format of records since Kafka 0.11, with
/// varint-encoded records and a CRC-32C over everything from the attributes on. No compression.
enum RecordBatch {
    /// The bytes of one batch holding `records` (base offset 0; the broker assigns offsets).
    static func encode(_ records: [ProducerRecord], now: Int64) -> ByteBuffer {
        let timestamps = records.map { $0.timestamp ?? now }
        let baseTimestamp = timestamps.min() ?? now
        var buffer = ByteBuffer()
        buffer.reserveCapacity(61 + records.reduce(0) { $0 + ($1.value?.count ?? 0) + ($1.key?.count ?? 0) + 16 })
        buffer.writeInteger(Int64(0))  // base offset
        buffer.writeInteger(Int32(0))  // batch length, set below
        buffer.writeInteger(Int32(-1))  // partition leader epoch
        buffer.writeInteger(Int8(2))  // magic
        buffer.writeInteger(UInt32(0))  // crc, set below
        let crcStart = buffer.writerIndex
        buffer.writeInteger(Int16(0))  // attributes: no compression, create time
        buffer.writeInteger(Int32(records.count - 1))  // last offset delta
        buffer.writeInteger(baseTimestamp)
        buffer.writeInteger(timestamps.max() ?? now)
        buffer.writeInteger(Int64(-1))  // producer id
        buffer.writeInteger(Int16(-1))  // producer epoch
        buffer.writeInteger(Int32(-1))  // base sequence
        buffer.writeInteger(Int32(records.count))
        for (index, record) in records.enumerated() {
            let timestampDelta = timestamps[index] - baseTimestamp
            let headerKeys = record.headers.map { Array($0.key.utf8) }
            // The record's length comes first, so it is computed rather than measured.
            var length =
                1 + varintSize(timestampDelta) + varintSize(Int64(index)) + bytesSize(record.key)
                + bytesSize(record.value) + varintSize(Int64(record.headers.count))
            for (key, header) in zip(headerKeys, record.headers) { length += bytesSize(key) + bytesSize(header.value) }
            buffer.writeVarint(Int64(length))
            buffer.writeInteger(Int8(0))  // attributes
            buffer.writeVarint(timestampDelta)
            buffer.writeVarint(Int64(index))  // offset delta
            buffer.writeVarintBytes(record.key)
            buffer.writeVarintBytes(record.value)
            buffer.writeVarint(Int64(record.headers.count))
            for (key, header) in zip(headerKeys, record.headers) {
                buffer.writeVarintBytes(key)
                buffer.writeVarintBytes(header.value)
            }
        }
        buffer.setInteger(Int32(buffer.writerIndex - 12), at: 8)
        let crc = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[crcStart...]))
        }
        buffer.setInteger(crc, at: crcStart - 4)
        return buffer
    }

    /// The bytes a zigzag varint of `value` takes.
    static func varintSize(_ value: Int64) -> Int {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var size = 1
        while raw >= 0x80 { raw >>= 7; size += 1 }
        return size
    }

    /// The bytes of a varint-length-prefixed byte string (length -1 for null).
    static func bytesSize(_ bytes: [UInt8]?) -> Int {
        guard let bytes else { return varintSize(-1) }
        return varintSize(Int64(bytes.count)) + bytes.count
    }

    /// The records in a fetched `records` field: any number of batches, the last possibly cut short by the
    /// fetch size (ignored: the next fetch gets it whole). Control batches (transaction markers) are skipped.
    static func decode(_ records: ByteBuffer, topic: String, partition: Int32) throws(KafkaError) -> [KafkaRecord] {
        var buffer = records
        var result: [KafkaRecord] = []
        func corrupt(_ reason: String) -> KafkaError {
            .corruptRecordBatch(topic: topic, partition: partition, reason: reason)
        }
        while buffer.readableBytes >= 17 {
            guard let baseOffset = buffer.getInteger(at: buffer.readerIndex, as: Int64.self),
                let length = buffer.getInteger(at: buffer.readerIndex + 8, as: Int32.self),
                let magic = buffer.getInteger(at: buffer.readerIndex + 16, as: Int8.self)
            else { break }
            guard length >= 49 else { throw corrupt("batch length \(length) is too small") }
            guard buffer.readableBytes >= 12 + Int(length) else { break }  // partial batch at the end
            guard magic == 2 else { throw corrupt("magic \(magic): only RecordBatch v2 is supported") }
            let batch = buffer.readSlice(length: 12 + Int(length))!
            var reader = KafkaReader(batch, api: "RecordBatch")
            reader.buffer.moveReaderIndex(forwardBy: 17)
            let crc = try reader.uint32()
            let computed = reader.buffer.withUnsafeReadableBytes { CRC32C.checksum($0) }
            guard crc == computed else {
                throw corrupt("CRC-32C \(computed) does not match \(crc) at offset \(baseOffset)")
            }
            let attributes = try reader.int16()
            guard attributes & 0x07 == 0 else {
                throw corrupt(
                    "compressed batch (codec \(attributes & 0x07)) at offset \(baseOffset): this client reads uncompressed batches only"
                )
            }
            _ = try reader.int32()  // last offset delta
            let baseTimestamp = try reader.int64()
            _ = try reader.int64()  // max timestamp
            _ = try reader.int64(); _ = try reader.int16(); _ = try reader.int32()  // producer id, epoch, sequence
            let count = try reader.int32()
            if attributes & 0x20 != 0 { continue }  // control batch
            for _ in 0..<max(0, count) {
                let recordLength = try reader.varint()
                guard recordLength >= 0, Int(recordLength) <= reader.readableBytes else {
                    throw corrupt("record length \(recordLength)")
                }
                _ = try reader.int8()
                let timestampDelta = try reader.varint()
                let offsetDelta = try reader.varint()
                let key = try reader.varintBytes()
                let value = try reader.varintBytes()
                let headerCount = try reader.varint()
                var headers: [KafkaHeader] = []
                for _ in 0..<max(0, headerCount) {
                    let headerKey = try reader.varintBytes() ?? []
                    headers.append(KafkaHeader(String(decoding: headerKey, as: UTF8.self), try reader.varintBytes()))
                }
                // A valid CRC only says the bytes arrived as sent: the sums can still overflow.
                let (offset, offsetOverflow) = baseOffset.addingReportingOverflow(offsetDelta)
                let (timestamp, timestampOverflow) = baseTimestamp.addingReportingOverflow(timestampDelta)
                guard !offsetOverflow, offset >= 0 else {
                    throw corrupt("base offset \(baseOffset) + offset delta \(offsetDelta) is not an offset")
                }
                guard !timestampOverflow else {
                    throw corrupt(
                        "base timestamp \(baseTimestamp) + timestamp delta \(timestampDelta) overflows at offset \(offset)"
                    )
                }
                result.append(
                    KafkaRecord(
                        topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                        key: key, value: value, headers: headers))
            }
        }
        return result
    }
}

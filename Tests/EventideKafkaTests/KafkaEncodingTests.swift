import NIOCore
import Testing

@testable import EventideKafka

@Suite(
    "Kafka encodings: CRC-32C, murmur2, varints, RecordBatch v2, range assignment", .timeLimit(.minutes(1)))
struct KafkaEncodingTests {
    @Test("CRC-32C matches the Castagnoli check value and RFC 3720's test vectors")
    func crc32c() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("murmur2 matches Java Kafka's Utils.murmur2 vectors, and the partition is positive(hash) % count")
    func murmur2() {
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
        ]
        for (key, hash) in vectors {
            #expect(Murmur2Partitioner.murmur2(Array(key.utf8)) == hash, "\(key)")
        }
        let partitioner = Murmur2Partitioner()
        #expect(
            partitioner.partition(forKey: Array("21".utf8), partitions: 7) == Int32((-973_932_308 & 0x7FFF_FFFF) % 7))
    }

    @Test("zigzag varints encode as the RecordBatch v2 spec says and decode back")
    func varints() throws {
        let cases: [(Int64, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]),
            (64, [0x80, 0x01]), (-65, [0x81, 0x01]), (300, [0xD8, 0x04]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes, "\(value)")
            var reader = KafkaReader(buffer, api: "test")
            #expect(try reader.varint() == value)
        }
        for value: Int64 in [.max, .min, 1 << 40, -(1 << 40)] {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            var reader = KafkaReader(buffer, api: "test")
            #expect(try reader.varint() == value)
        }
    }

    @Test("a RecordBatch round-trips keys, values, nulls, headers and timestamps, and its CRC covers attributes onward")
    func recordBatchRoundTrip() throws {
        let records = [
            ProducerRecord(
                topic: "t", key: Array("k1".utf8), value: Array("v1".utf8),
                headers: [KafkaHeader("h", "x"), KafkaHeader("empty", nil)], timestamp: 1_000),
            ProducerRecord(topic: "t", key: nil, value: nil, timestamp: 1_500),
            ProducerRecord(topic: "t", key: Array("k3".utf8), value: [UInt8](repeating: 7, count: 300), timestamp: 900),
        ]
        var batch = RecordBatch.encode(records, now: 0)
        #expect(batch.getInteger(at: 16, as: Int8.self) == 2, "magic 2")
        #expect(Int(batch.getInteger(at: 8, as: Int32.self)!) == batch.readableBytes - 12)
        // The broker assigns the base offset; pretend it chose 40.
        batch.setInteger(Int64(40), at: 0)
        let decoded = try RecordBatch.decode(batch, topic: "t", partition: 3)
        #expect(decoded.map(\.offset) == [40, 41, 42])
        #expect(decoded.map(\.timestamp) == [1_000, 1_500, 900])
        #expect(decoded[0].key == Array("k1".utf8) && decoded[0].value == Array("v1".utf8))
        #expect(decoded[0].headers == [KafkaHeader("h", "x"), KafkaHeader("empty", nil)])
        #expect(decoded[1].key == nil && decoded[1].value == nil)
        #expect(decoded[2].value?.count == 300 && decoded.allSatisfy { $0.partition == 3 })

        var corrupted = batch
        corrupted.setInteger(UInt8(0x55), at: corrupted.writerIndex - 1)
        #expect(throws: KafkaError.self) { try RecordBatch.decode(corrupted, topic: "t", partition: 3) }
    }

    @Test("a fetch answer cut inside its last batch yields the whole batches before it")
    func partialTrailingBatch() throws {
        var two = RecordBatch.encode([ProducerRecord(topic: "t", value: "a")], now: 1)
        var second = RecordBatch.encode([ProducerRecord(topic: "t", value: "b")], now: 1)
        second.setInteger(Int64(1), at: 0)
        two.writeBuffer(&second)
        let cut = two.getSlice(at: 0, length: two.readableBytes - 5)!
        #expect(try RecordBatch.decode(cut, topic: "t", partition: 0).map(\.valueString) == ["a"])
        #expect(try RecordBatch.decode(two, topic: "t", partition: 0).map(\.valueString) == ["a", "b"])
    }

    @Test("range assignment gives consecutive runs, the first members one more")
    func rangeAssignment() {
        let plan = RangeAssignor.assign(
            members: [("b", ["t"]), ("a", ["t", "u"])], partitionCounts: ["t": 5, "u": 2])
        #expect(plan["a"] == [0, 1, 2].map { TopicPartition("t", $0) } + [0, 1].map { TopicPartition("u", $0) })
        #expect(plan["b"] == [3, 4].map { TopicPartition("t", $0) })
    }

    @Test("a broker that is down gives KafkaError.unreachable once the reconnect deadline passes")
    func brokerDown() async throws {
        let client = KafkaClient(KafkaConfiguration(host: "127.0.0.1", port: 1, reconnectDeadline: .milliseconds(300)))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect {
            _ = try await client.apiVersions()
        } throws: { error in
            guard case .unreachable(let endpoint, _) = error as? KafkaError else { return false }
            return endpoint == "127.0.0.1:1"
        }
        #expect(clock.now - start < .seconds(5), "gave up after the deadline, not before retrying")
    }
}

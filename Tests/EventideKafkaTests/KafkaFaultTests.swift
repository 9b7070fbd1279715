import Eventide
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import EventideKafka

/// Issue 14: broker input that overflowed, brokers that are not there or are not Kafka, bytes that are not text.
@Suite("Kafka client faults", .timeLimit(.minutes(2)))
struct KafkaFaultTests {
    /// A batch of `count` records from `RecordBatch.encode`, with its CRC recomputed after `edit`.
    static func batch(count: Int = 2, edit: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var batch = RecordBatch.encode((0..<count).map { ProducerRecord(topic: "t", value: "v\($0)") }, now: 1_000)
        edit(&batch)
        let crc = batch.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        batch.setInteger(crc, at: 17)
        return batch
    }

    static func isCorrupt(_ error: any Error) -> Bool {
        if case .corruptRecordBatch = error as? KafkaError { true } else { false }
    }

    @Test("a batch whose base offset plus an offset delta overflows is a corrupt batch, not a trap (CRC valid)")
    func offsetOverflow() {
        let batch = Self.batch { $0.setInteger(Int64.max, at: 0) }  // the base offset is outside the CRC
        #expect { try RecordBatch.decode(batch, topic: "t", partition: 0) } throws: { Self.isCorrupt($0) }
    }

    @Test("a batch whose base timestamp plus a timestamp delta overflows is a corrupt batch, not a trap (CRC valid)")
    func timestampOverflow() throws {
        // Record 1's timestamp delta is 0; make the base the largest timestamp and record 1's delta 1 instead.
        var records = RecordBatch.encode(
            [
                ProducerRecord(topic: "t", value: [1], timestamp: 0),
                ProducerRecord(topic: "t", value: [2], timestamp: 1),
            ], now: 0)
        records.setInteger(Int64.max, at: 27)  // base timestamp
        let crc = records.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        records.setInteger(crc, at: 17)
        #expect { try RecordBatch.decode(records, topic: "t", partition: 0) } throws: { Self.isCorrupt($0) }
        // The same batch with a base that leaves room decodes.
        let fine = Self.batch { $0.setInteger(Int64(1_000), at: 27) }
        #expect(try RecordBatch.decode(fine, topic: "t", partition: 0).map(\.timestamp) == [1_000, 1_000])
    }

    @Test("every crash input of the fuzz corpus decodes to records or a typed error")
    func corpus() throws {
        for input in try FuzzCorpus.inputs("kafka-record-batch") {
            var buffer = ByteBuffer(bytes: input)
            _ = try? RecordBatch.decode(buffer, topic: "t", partition: 0)
            buffer.moveReaderIndex(to: 0)
        }
        for input in try FuzzCorpus.inputs("kafka-response") {
            var reader = KafkaReader(ByteBuffer(bytes: input), api: "fuzz")
            _ = try? MetadataRequest.decode(&reader)
        }
    }

    @Test("a value or key that is not UTF-8 keeps its bytes in the payload (base64), and is not made text")
    func nonUTF8Payload() throws {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x80]
        let record = KafkaRecord(
            topic: "t", partition: 0, offset: 5, timestamp: 0, key: [0xC3, 0x28], value: bytes, headers: [])
        let payload = KafkaTrigger.payload(of: record)
        #expect(payload["value"] == nil)
        #expect(payload[DeadLetter.originalBytesKey]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data(bytes))
        #expect(payload["keyBase64"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data([0xC3, 0x28]))
        let text = KafkaRecord(
            topic: "t", partition: 0, offset: 6, timestamp: 0, key: Array("k".utf8),
            value: Array(#"{"a": 1}"#.utf8), headers: [])
        #expect(KafkaTrigger.payload(of: text)["value"] == ["a": 1])
        #expect(KafkaTrigger.payload(of: text)["key"] == "k")
    }

    @Test("a broker address whose port does not fit is a typed error, not a trap", arguments: [0, 65_536, 99_999, -1])
    func badPort(port: Int) async {
        let client = KafkaClient(KafkaConfiguration(host: "127.0.0.1", port: port))
        await #expect { _ = try await client.apiVersions() } throws: { error in
            if case .invalidArgument = error as? KafkaError { true } else { false }
        }
    }

    @Test("a broker that was never reached is reported within a few seconds with the default configuration")
    func unreachableReportedEarly() async throws {
        let client = KafkaClient(KafkaConfiguration(host: "127.0.0.1", port: 1))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { _ = try await client.apiVersions() } throws: { error in
            if case .unreachable = error as? KafkaError { true } else { false }
        }
        #expect(
            start.duration(to: clock.now) < .seconds(8),
            "the first-connect deadline (3 s), not the 30 s reconnect deadline")
    }

    /// Answers every connection with an HTTP error, as a web server on the wrong port would.
    final class HTTPAnswer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let answer = context.channel.allocator.buffer(
                string: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            context.writeAndFlush(NIOAny(answer), promise: nil)
        }
    }

    @Test("a server speaking another protocol is reported as not Kafka at once, not as a frame length or a timeout")
    func notKafka() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(HTTPAnswer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = KafkaClient(KafkaConfiguration(host: "127.0.0.1", port: port))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { _ = try await client.apiVersions() } throws: { error in
            guard case .notKafka(let endpoint, let answer) = error as? KafkaError else { return false }
            return endpoint == "127.0.0.1:\(port)" && answer.hasPrefix("\"HTTP/1.1 400")
        }
        #expect(start.duration(to: clock.now) < .seconds(2), "no retries: another protocol is not an outage")
        try await server.close()
    }
}

/// The fuzz corpus under `Fuzz/corpus/<target>/`: inputs that once crashed a decoder, kept as regression cases.
enum FuzzCorpus {
    static func inputs(_ target: String, filePath: String = #filePath) throws -> [[UInt8]] {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.appendingPathComponent("Fuzz/corpus/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }
}

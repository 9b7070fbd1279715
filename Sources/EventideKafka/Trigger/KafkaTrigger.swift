import Eventide
import Foundation
import NIOCore
import NIOPosix

/// Fires for every record of a Kafka topic, as a member of a consumer group: `kafka://host:port/topic?group=g`
/// (optional `sessionTimeoutMs`, default 10000).
///
/// Each record becomes a `TriggerEvent` whose payload holds the value (as JSON when it parses, else as a
/// string), the key, headers, partition and offset; its message id is `topic/partition@offset`.
/// `acknowledge` commits the offset after the record; `reject(reason)` produces the record to the dead-letter
/// topic `<topic>.dlq` with a `dlq-reason` header, then commits. Records not acknowledged before a restart are
/// delivered again (at-least-once); the watcher drops them by message id.
public struct KafkaTrigger: Trigger {
    public let configuration: KafkaConfiguration
    public let topic: String
    public let group: String
    public let sessionTimeout: Duration

    public init(
        configuration: KafkaConfiguration, topic: String, group: String, sessionTimeout: Duration = .seconds(10)
    ) {
        self.configuration = configuration
        self.topic = topic
        self.group = group
        self.sessionTimeout = sessionTimeout
    }

    public var description: String {
        "KafkaTrigger(\(configuration.host):\(configuration.port)/\(topic), group: \(group))"
    }

    /// The dead-letter topic of `topic`.
    public static func deadLetterTopic(of topic: String) -> String { "\(topic).dlq" }

    /// The factory for `kafka://host:port/topic?group=g` URIs (default port 9092).
    public static func factory(clientId: String = "eventide-trigger") -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "kafka") { uri in
            let (host, port) = try uri.endpoint(defaultPort: 9092)
            let session = try uri.integer("sessionTimeoutMs", in: 1_000...300_000) ?? 10_000
            return KafkaTrigger(
                configuration: KafkaConfiguration(host: host, port: port, clientId: clientId),
                topic: try uri.singlePathSegment("topic"), group: try uri.required("group"),
                sessionTimeout: .milliseconds(session))
        }
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        try probe()
        let client = KafkaClient(configuration)
        let consumer = KafkaConsumer(client: client, group: group, topics: [topic], sessionTimeout: sessionTimeout)
        let producer = KafkaProducer(client: client)
        let buffer = Buffer()
        let topic = topic
        return AsyncThrowingStream {
            while await buffer.isEmpty {
                if Task.isCancelled {
                    await consumer.close()
                    await client.close()
                    return nil
                }
                let records = try await consumer.poll()
                await buffer.fill(records, observedAt: Date())
            }
            guard let (record, observedAt) = await buffer.pop() else { return nil }
            return TriggerEvent(
                payload: Self.payload(of: record), messageId: "\(record.topic)/\(record.partition)@\(record.offset)",
                occurredAt: record.date, observedAt: observedAt,
                acknowledge: { try await consumer.commit(record) },
                reject: { reason in
                    let deadLetterTopic = Self.deadLetterTopic(of: topic)
                    try await client.createTopic(deadLetterTopic, partitions: 1)
                    try await producer.send(
                        ProducerRecord(
                            topic: deadLetterTopic, key: record.key, value: record.value,
                            headers: record.headers + [
                                KafkaHeader("dlq-reason", reason),
                                KafkaHeader("dlq-source", "\(record.topic)/\(record.partition)@\(record.offset)"),
                            ]))
                    try await consumer.commit(record)
                })
        }
    }

    /// The record as JSON: `value` (parsed when it is JSON, else the text), `key`, `headers`, `topic`,
    /// `partition`, `offset`. A value or key that is not UTF-8 is not turned into text (which would replace its
    /// bytes): `value` is then absent and `valueBase64` holds the original bytes (`keyBase64` likewise), so a
    /// watcher's `extract` refuses it and the dead letter keeps the bytes exactly (`DeadLetter.originalBytes`).
    public static func payload(of record: KafkaRecord) -> JSONValue {
        var payload: [String: JSONValue] = [
            "topic": .string(record.topic), "partition": .number(Double(record.partition)),
            "offset": .number(Double(record.offset)), "key": .null, "value": .null,
        ]
        if let value = record.value {
            if let text = String(validating: value, as: UTF8.self) {
                payload["value"] = (try? JSONValue.parse(text)) ?? .string(text)
            } else {
                payload["value"] = nil
                payload[DeadLetter.originalBytesKey] = .string(Data(value).base64EncodedString())
            }
        }
        if let key = record.key {
            if let text = String(validating: key, as: UTF8.self) {
                payload["key"] = .string(text)
            } else {
                payload["key"] = nil
                payload["keyBase64"] = .string(Data(key).base64EncodedString())
            }
        }
        var headers: [String: JSONValue] = [:]
        for header in record.headers {
            headers[header.key] = header.value.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null
        }
        payload["headers"] = .object(headers)
        return .object(payload)
    }

    /// Fails fast when nothing answers at the broker's address, so a watcher is `running` only with a broker.
    private func probe() throws {
        let connection = KafkaConnection.connect(
            host: configuration.host, port: configuration.port,
            clientId: configuration.clientId, connectTimeout: .seconds(2))
        do {
            try connection.wait().close()
        } catch {
            throw TriggerError.cannotWatch(path: description, reason: "\(error)")
        }
    }

    private actor Buffer {
        var records: [(KafkaRecord, Date)] = []
        var head = 0
        var isEmpty: Bool { head >= records.count }
        func fill(_ new: [KafkaRecord], observedAt: Date) {
            records = Array(records[head...]) + new.map { ($0, observedAt) }
            head = 0
        }
        func pop() -> (KafkaRecord, Date)? {
            guard head < records.count else { return nil }
            defer { head += 1 }
            return records[head]
        }
    }
}

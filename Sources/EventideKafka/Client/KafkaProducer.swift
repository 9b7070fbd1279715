import Foundation
import NIOCore
import NIOPosix

/// Produces records with acks=all, batching what callers send while earlier requests are in flight.
///
/// `send` enqueues and waits for the broker's acknowledgement. The first callers (up to `maxInFlight`) drain
/// the queue: each takes the queued calls' records (whole calls, up to `maxBatchRecords`), builds one
/// RecordBatch v2 per partition and one Produce request per leader, so concurrent callers share requests. A record's partition is the one it
/// names, else `Murmur2Partitioner` of its key, else round-robin. With `maxInFlight` 1 (the default) records
/// of one partition keep the order they were sent in, retries included.
/// A request that fails because the broker is down is retried on a new connection until the reconnect
/// deadline (so a record may be stored twice, never lost once acknowledged).
public actor KafkaProducer {
    public let client: KafkaClient
    public let maxBatchRecords: Int
    public let maxInFlight: Int
    let partitioner = Murmur2Partitioner()
    private var roundRobin: [String: Int] = [:]
    /// Calls waiting to be sent, each with the promise of its records' metadata.
    private var queue: [(records: [ProducerRecord], promise: EventLoopPromise<[RecordMetadata]>)] = []
    private var queueHead = 0
    private var drainers = 0

    public init(client: KafkaClient, maxBatchRecords: Int = 2_000, maxInFlight: Int = 1) {
        self.client = client
        self.maxBatchRecords = max(1, maxBatchRecords)
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Sends one record and returns where it was stored, once every in-sync replica has it.
    @discardableResult
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        try await send([record])[0]
    }

    /// Sends records (in order per partition) and returns where each was stored.
    @discardableResult
    public func send(_ records: [ProducerRecord]) async throws -> [RecordMetadata] {
        guard !records.isEmpty else { return [] }
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: [RecordMetadata].self)
        queue.append((records, promise))
        await drain()
        return try await promise.futureResult.get()
    }

    /// Sends queued calls, several calls' records per request (whole calls, up to `maxBatchRecords` unless
    /// one call alone has more), until the queue is empty.
    private func drain() async {
        guard drainers < maxInFlight else { return }
        drainers += 1
        defer { drainers -= 1 }
        while queueHead < queue.count {
            var end = queueHead + 1
            var total = queue[queueHead].records.count
            while end < queue.count && total + queue[end].records.count <= maxBatchRecords {
                total += queue[end].records.count
                end += 1
            }
            let calls = Array(queue[queueHead..<end])
            queueHead = end
            if queueHead > 1_024 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            do {
                var metadata = try await produce(calls.flatMap { $0.records })[...]
                for call in calls {
                    call.promise.succeed(Array(metadata.prefix(call.records.count)))
                    metadata = metadata.dropFirst(call.records.count)
                }
            } catch {
                for call in calls { call.promise.fail(error) }
            }
        }
    }

    /// One Produce request per leader for `records`; the results in the records' order.
    private func produce(_ records: [ProducerRecord]) async throws -> [RecordMetadata] {
        var byPartition: [TopicPartition: [Int]] = [:]
        var counts: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            if counts[record.topic] == nil { counts[record.topic] = try await client.partitionCount(record.topic) }
            byPartition[partition(for: record, partitions: counts[record.topic]!), default: []].append(index)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var byLeader: [KafkaClient.Endpoint: [(TopicPartition, ByteBuffer)]] = [:]
        for (partition, indices) in byPartition {
            let batch = RecordBatch.encode(indices.map { records[$0] }, now: now)
            byLeader[try await client.leader(for: partition), default: []].append((partition, batch))
        }
        var results = [RecordMetadata?](repeating: nil, count: records.count)
        try await withThrowingTaskGroup(of: [ProduceRequest.Result].self) { group in
            for (endpoint, batches) in byLeader {
                group.addTask { [client] in
                    try await client.send(ProduceRequest(acks: -1, timeoutMs: 30_000, batches: batches), to: endpoint)
                }
            }
            for try await answers in group {
                for answer in answers {
                    guard answer.errorCode == 0 else {
                        if answer.errorCode == KafkaErrorCode.notLeaderForPartition
                            || answer.errorCode == KafkaErrorCode.unknownTopicOrPartition
                        {
                            await client.invalidate(answer.partition.topic)
                        }
                        throw KafkaError.broker(
                            api: ProduceRequest.name, code: answer.errorCode,
                            context: answer.partition.description)
                    }
                    for (position, index) in (byPartition[answer.partition] ?? []).enumerated() {
                        results[index] = RecordMetadata(
                            topic: answer.partition.topic, partition: answer.partition.partition,
                            offset: answer.baseOffset + Int64(position))
                    }
                }
            }
        }
        return try results.map { result in
            guard let result else {
                throw KafkaError.malformedResponse(api: ProduceRequest.name, reason: "a partition had no answer")
            }
            return result
        }
    }

    private func partition(for record: ProducerRecord, partitions count: Int) -> TopicPartition {
        if let partition = record.partition { return TopicPartition(record.topic, partition) }
        if let key = record.key {
            return TopicPartition(record.topic, partitioner.partition(forKey: key, partitions: count))
        }
        let next = roundRobin[record.topic, default: 0]
        roundRobin[record.topic] = next &+ 1
        return TopicPartition(record.topic, Int32(next % count))
    }
}

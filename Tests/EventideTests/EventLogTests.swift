import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Durable event log", .timeLimit(.minutes(3)))
struct EventLogTests {
    func makeLog(partitions: Int = 4) async throws -> EventLog {
        let log = EventLog(database: try TemporaryDatabase.make("log"))
        try await log.createTopic("orders", partitions: partitions)
        return log
    }

    func event(_ n: Int) throws -> EventEnvelope {
        try EventEnvelope(id: "e\(n)", type: "order.placed", source: "/shop", data: ["n": .number(Double(n))])
    }

    @Test("offsets are dense per partition and records read back in order")
    func appendAndRead() async throws {
        let log = try await makeLog(partitions: 1)
        for n in 0..<5 { _ = try await log.append(try event(n), to: "orders") }
        let records = try await log.read(topic: "orders", partition: 0, from: 0)
        #expect(records.map(\.position.offset) == [0, 1, 2, 3, 4])
        #expect(records.map(\.event.id) == ["e0", "e1", "e2", "e3", "e4"])
        #expect(try await log.endOffset(topic: "orders", partition: 0) == 5)
    }

    @Test("the same key always lands in the same partition, keeping its order")
    func keyToPartition() async throws {
        let log = try await makeLog()
        var partitions: Set<Int> = []
        for n in 0..<20 {
            let result = try await log.append(try event(n), to: "orders", key: "customer-7")
            partitions.insert(result.position.partition)
        }
        #expect(partitions.count == 1)
        let partition = try #require(partitions.first)
        #expect(partition == Partitioner.partition(forKey: "customer-7", partitions: 4))
        let ids = try await log.read(topic: "orders", partition: partition, from: 0).map(\.event.id)
        #expect(ids == (0..<20).map { "e\($0)" })
        // Keys spread over partitions.
        let spread = Set((0..<64).map { Partitioner.partition(forKey: "k\($0)", partitions: 4) })
        #expect(spread == [0, 1, 2, 3])
    }

    @Test("an idempotency key seen before stores nothing and returns the first position")
    func idempotentAppend() async throws {
        let log = try await makeLog()
        let first = try await log.append(try event(1), to: "orders", key: "a", idempotencyKey: "charge-1")
        let second = try await log.append(try event(2), to: "orders", key: "a", idempotencyKey: "charge-1")
        #expect(first.duplicate == false)
        #expect(second.duplicate == true)
        #expect(second.position == first.position)
        #expect(try await log.readAll(topic: "orders").count == 1)
    }

    @Test("a batch appends atomically: a failing batch stores nothing")
    func batchIsAtomic() async throws {
        let log = try await makeLog()
        _ = try await log.append([LogAppend(try event(1)), LogAppend(try event(2))], to: "orders")
        await #expect(throws: LogError.unknownTopic("missing")) {
            try await log.append([LogAppend(try event(3))], to: "missing")
        }
        #expect(try await log.readAll(topic: "orders").count == 2)
    }

    @Test("reading from an offset replays the rest of the partition")
    func replayFromOffset() async throws {
        let log = try await makeLog(partitions: 1)
        for n in 0..<10 { _ = try await log.append(try event(n), to: "orders") }
        let tail = try await log.read(topic: "orders", partition: 0, from: 7)
        #expect(tail.map(\.event.id) == ["e7", "e8", "e9"])
    }

    @Test("a consumer group resumes after its committed offset; another group reads everything")
    func consumerGroupsResume() async throws {
        let log = try await makeLog(partitions: 2)
        for n in 0..<10 { _ = try await log.append(try event(n), to: "orders", key: "k\(n)") }
        let first = LogConsumer(log: log, group: "billing", topic: "orders")
        let batch = try await first.poll(limit: 4)
        #expect(batch.count == 4)
        for record in batch { try await first.commit(record) }

        let restarted = LogConsumer(log: log, group: "billing", topic: "orders")
        let rest = try await restarted.poll(limit: 100)
        #expect(Set(rest.map(\.event.id)).isDisjoint(with: batch.map(\.event.id)))
        #expect(rest.count + batch.count == 10)

        let other = LogConsumer(log: log, group: "audit", topic: "orders")
        #expect(try await other.poll(limit: 100).count == 10)
    }

    @Test("a commit never moves a group backwards unless it rewinds on purpose")
    func commitsAreMonotonic() async throws {
        let log = try await makeLog(partitions: 1)
        try await log.commit(group: "g", topic: "orders", partition: 0, nextOffset: 5)
        try await log.commit(group: "g", topic: "orders", partition: 0, nextOffset: 3)
        #expect(try await log.committedOffset(group: "g", topic: "orders", partition: 0) == 5)
        try await log.commit(group: "g", topic: "orders", partition: 0, nextOffset: 0, allowRewind: true)
        #expect(try await log.committedOffset(group: "g", topic: "orders", partition: 0) == 0)
    }

    @Test("a waiting consumer is woken by an append, without polling")
    func consumerWaitsForAppend() async throws {
        let log = try await makeLog(partitions: 1)
        let consumer = LogConsumer(log: log, group: "g", topic: "orders")
        #expect(try await consumer.poll().isEmpty)
        async let woken = consumer.next()
        try await Task.sleep(for: .milliseconds(50))  // let it reach the wait
        _ = try await log.append(try event(42), to: "orders")
        #expect(try await woken.map(\.event.id) == ["e42"])
    }

    @Test("unknown topics, bad partitions and conflicting partition counts are refused with a reason")
    func badInput() async throws {
        let log = try await makeLog(partitions: 2)
        await #expect(throws: LogError.unknownTopic("nope")) {
            try await log.read(topic: "nope", partition: 0, from: 0)
        }
        await #expect(throws: LogError.partitionOutOfRange(topic: "orders", partition: 5, partitions: 2)) {
            try await log.read(topic: "orders", partition: 5, from: 0)
        }
        await #expect(throws: LogError.invalidPartitionCount(topic: "t", partitions: 0)) {
            try await log.createTopic("t", partitions: 0)
        }
        await #expect(throws: LogError.topicExistsWithOtherPartitionCount(topic: "orders", existing: 2, requested: 3)) {
            try await log.createTopic("orders", partitions: 3)
        }
        #expect(LogError.unknownTopic("nope").description.contains("createTopic"))
    }

    @Test("the database runs in WAL mode")
    func walMode() async throws {
        let database = try TemporaryDatabase.make("wal")
        #expect(try database.journalMode() == "wal")
    }

    @Test("a database path that cannot be opened gives a StoreError naming the path")
    func unopenablePath() throws {
        #expect(throws: StoreError.self) { try EventideDatabase(path: "/nonexistent-dir/x/eventide.sqlite") }
        do {
            _ = try EventideDatabase(path: "/proc/eventide.sqlite")
            Issue.record("opening a database under /proc should fail")
        } catch {
            #expect(error.description.contains("/proc/eventide.sqlite"))
        }
    }
}

import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Resequencer", .timeLimit(.minutes(2)))
struct ResequencerTests {
    static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ key: String, _ sequence: Int) -> SequencedEvent {
        SequencedEvent(key: key, sequence: sequence, payload: .number(Double(sequence)))
    }

    static func released(_ outputs: [ResequencerOutput]) -> [Int] {
        outputs.compactMap { if case .released(let event) = $0 { event.sequence } else { nil } }
    }

    static func policy(capacity: Int = 10, timeout: Duration = .seconds(5), onGap: ResequencingPolicy.GapAction = .skip)
        throws -> ResequencingPolicy
    {
        try ResequencingPolicy(capacity: capacity, timeout: timeout, onGap: onGap)
    }

    @Test("in-order events are released at once; out-of-order ones wait for the gap and come out in order")
    func reorders() throws {
        var buffer = ResequencingBuffer(policy: try Self.policy())
        #expect(Self.released(try buffer.accept(Self.event("a", 1), at: Self.epoch)) == [1])
        #expect(
            try buffer.accept(Self.event("a", 3), at: Self.epoch) == [.buffered(Self.event("a", 3), waitingFor: 2...2)])
        #expect(
            try buffer.accept(Self.event("a", 5), at: Self.epoch) == [.buffered(Self.event("a", 5), waitingFor: 2...2)])
        #expect(Self.released(try buffer.accept(Self.event("b", 1), at: Self.epoch)) == [1], "keys are independent")
        #expect(Self.released(try buffer.accept(Self.event("a", 2), at: Self.epoch)) == [2, 3])
        #expect(buffer.keys["a"]?.next == 4 && buffer.keys["a"]?.waiting.keys.sorted() == [5])
    }

    @Test("duplicates of released and of waiting events are detected; sequence 0 is refused")
    func duplicates() throws {
        var buffer = ResequencingBuffer(policy: try Self.policy())
        _ = try buffer.accept(Self.event("a", 1), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 3), at: Self.epoch)
        #expect(try buffer.accept(Self.event("a", 1), at: Self.epoch) == [.duplicate(Self.event("a", 1))])
        #expect(try buffer.accept(Self.event("a", 3), at: Self.epoch) == [.duplicate(Self.event("a", 3))])
        #expect(throws: ResequencingError.invalidSequence(key: "a", sequence: 0)) {
            try buffer.accept(Self.event("a", 0), at: Self.epoch)
        }
    }

    @Test("timeout, skip: the gap is reported, what waits behind it released in order; the missing event is late")
    func timeoutSkip() throws {
        var buffer = ResequencingBuffer(policy: try Self.policy(timeout: .seconds(5)))
        _ = try buffer.accept(Self.event("a", 1), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 4), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 3), at: Self.epoch.addingTimeInterval(1))
        #expect(buffer.nextDeadline == Self.epoch.addingTimeInterval(5))
        #expect(buffer.expire(at: Self.epoch.addingTimeInterval(4.9)).isEmpty)
        let outputs = buffer.expire(at: Self.epoch.addingTimeInterval(5))
        #expect(outputs.first == .gap(SequenceGap(key: "a", missing: 2...2, reason: .timeout)))
        #expect(Self.released(outputs) == [3, 4])
        #expect(try buffer.accept(Self.event("a", 2), at: Self.epoch) == [.late(Self.event("a", 2))])
        #expect(buffer.nextDeadline == nil)
    }

    @Test("timeout, dead letter: the run behind the gap is dead-lettered, later gaps keep waiting")
    func timeoutDeadLetter() throws {
        var buffer = ResequencingBuffer(policy: try Self.policy(timeout: .seconds(5), onGap: .deadLetter))
        _ = try buffer.accept(Self.event("a", 2), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 3), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 6), at: Self.epoch.addingTimeInterval(3))
        let gap = SequenceGap(key: "a", missing: 1...1, reason: .timeout)
        #expect(
            buffer.expire(at: Self.epoch.addingTimeInterval(5))
                == [
                    .gap(gap), .deadLettered(Self.event("a", 2), gap: gap), .deadLettered(Self.event("a", 3), gap: gap),
                ])
        #expect(buffer.keys["a"]?.next == 4 && buffer.keys["a"]?.waiting.keys.sorted() == [6])
        #expect(Self.released(try buffer.accept(Self.event("a", 4), at: Self.epoch.addingTimeInterval(6))) == [4])
    }

    @Test("a full buffer gives up its first gap at once (buffer_full)")
    func capacity() throws {
        var buffer = ResequencingBuffer(policy: try Self.policy(capacity: 2))
        _ = try buffer.accept(Self.event("a", 3), at: Self.epoch)
        _ = try buffer.accept(Self.event("a", 4), at: Self.epoch)
        let outputs = try buffer.accept(Self.event("a", 6), at: Self.epoch)
        #expect(outputs.contains(.gap(SequenceGap(key: "a", missing: 1...2, reason: .bufferFull))))
        #expect(Self.released(outputs) == [3, 4])
        #expect(buffer.keys["a"]?.waiting.keys.sorted() == [6])
    }

    @Test("persisted: the released events are applied in the transaction that stores the buffer")
    func appliesInTransaction() async throws {
        let database = try TemporaryDatabase.make("resequencer")
        try await database.transaction { tx in try tx.execute("CREATE TABLE applied(seq INTEGER NOT NULL)") }
        let resequencer = Resequencer(database: database, scope: "s", policy: try Self.policy())
        let apply: Resequencer.Apply = { tx, released in
            for event in released {
                try tx.execute("INSERT INTO applied(seq) VALUES (?)", arguments: [.number(Double(event.sequence))])
            }
        }
        for sequence in [2, 3, 1, 3] { try await resequencer.accept(Self.event("a", sequence), apply: apply) }
        let order = try await database.transaction { tx in
            try (0..<3).compactMap {
                try tx.integer(
                    "SELECT seq FROM applied ORDER BY rowid LIMIT 1 OFFSET ?", arguments: [.number(Double($0))])
            }
        }
        #expect(order == [1, 2, 3])
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await resequencer.accept(Self.event("a", 4)) { _, _ in throw Failure() }
        }
        #expect(try await resequencer.state().keys["a"]?.next == 4, "the failed apply rolled the release back")
    }

    @Test("restart in the middle of a resequencing buffer: the reopened store keeps waiting events, gaps and their age")
    func restartMidBuffer() async throws {
        let path = try TemporaryDatabase.make("resequencer").path
        let policy = try Self.policy(timeout: .seconds(10), onGap: .skip)
        let before = TestClock()
        do {
            let resequencer = Resequencer(
                database: try EventideDatabase(path: path), scope: "s", policy: policy, clock: EventideClock(before))
            for sequence in [1, 3, 4] { try await resequencer.accept(Self.event("a", sequence)) }
            try await resequencer.accept(Self.event("b", 2))
        }
        // The process restarts 6 s later, with a new clock dated from the same wall-clock origin + 6 s.
        let after = TestClock(epoch: before.epoch.addingTimeInterval(6))
        let resequencer = Resequencer(
            database: try EventideDatabase(path: path), scope: "s", policy: policy, clock: EventideClock(after))
        let state = try await resequencer.state()
        #expect(state.keys["a"]?.next == 2 && state.keys["a"]?.waiting.keys.sorted() == [3, 4])
        #expect(state.keys["b"]?.waiting.keys.sorted() == [2])
        #expect(try await resequencer.accept(Self.event("a", 3)) == [.duplicate(Self.event("a", 3))])
        #expect(try await resequencer.expire().isEmpty, "4 s of the 10 s timeout remain")
        await after.advance(by: .seconds(4))
        let outputs = try await resequencer.expire()
        #expect(outputs.contains(.gap(SequenceGap(key: "a", missing: 2...2, reason: .timeout))))
        #expect(Self.released(outputs) == [3, 4, 2], "a's 3 and 4 behind its gap; b's 2 (its 1 never came)")
        #expect(try await resequencer.accept(Self.event("a", 2)) == [.late(Self.event("a", 2))])
    }

    @Test("dead-lettered events are in the dead-letter queue once, with their key and sequence")
    func deadLetters() async throws {
        let database = try TemporaryDatabase.make("resequencer")
        let clock = TestClock()
        let resequencer = Resequencer(
            database: database, scope: "s", policy: try Self.policy(timeout: .seconds(1), onGap: .deadLetter),
            clock: EventideClock(clock))
        for sequence in [2, 3] { try await resequencer.accept(Self.event("a", sequence)) }
        await clock.advance(by: .seconds(1))
        try await resequencer.expire()
        let letters = try await resequencer.deadLetters.list(source: resequencer.deadLetterSource)
        #expect(letters.map(\.messageId) == ["a#2", "a#3"])
        #expect(letters.first?.payload["sequence"]?.intValue == 2)
        #expect(try await resequencer.expire().isEmpty)
    }

    @Test("sequence numbers per key continue across a reopened store")
    func sequenceNumbers() async throws {
        let path = try TemporaryDatabase.make("sequence").path
        let numbers = SequenceNumbers(database: try EventideDatabase(path: path), scope: "s")
        #expect(try await numbers.next(for: "a") == 1)
        #expect(try await numbers.next(for: "a") == 2)
        #expect(try await numbers.next(for: "b") == 1)
        let reopened = SequenceNumbers(database: try EventideDatabase(path: path), scope: "s")
        #expect(try await reopened.next(for: "a") == 3)
    }

    @Test("keys hashed to partitions: a key always lands in the same partition of the log, in append order")
    func partitionOrdering() async throws {
        let log = EventLog(database: try TemporaryDatabase.make("ordering"))
        try await log.createTopic("t", partitions: 4)
        var partitionOf: [String: Set<Int>] = [:]
        for round in 1...3 {
            for key in ["a", "b", "c", "d", "e"] {
                let position = try await log.produce("t", key: key, value: .number(Double(round)), headers: [:])
                partitionOf[key, default: []].insert(position.partition)
                #expect(position.partition == Partitioner.partition(forKey: key, partitions: 4))
            }
        }
        #expect(partitionOf.values.allSatisfy { $0.count == 1 })
        let aPartition = try #require(partitionOf["a"]?.first)
        let records = try await log.read(topic: "t", partition: aPartition, from: 0).filter { $0.key == "a" }
        #expect(records.map { $0.event.data["value"]?.intValue } == [1, 2, 3])
    }
}

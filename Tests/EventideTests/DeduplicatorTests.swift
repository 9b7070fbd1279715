import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Deduplicator", .timeLimit(.minutes(2)))
struct DeduplicatorTests {
    static func window(ttl: Duration = .seconds(60), capacity: Int = 100, whenFull: DeduplicationWindow.Overflow)
        throws -> DeduplicationWindow
    {
        try DeduplicationWindow(timeToLive: ttl, capacity: capacity, whenFull: whenFull)
    }

    static func ledger(_ deduplicator: Deduplicator) async throws {
        try await deduplicator.write { tx in try tx.execute("CREATE TABLE IF NOT EXISTS effect(key TEXT NOT NULL)") }
    }

    static func effects(_ deduplicator: Deduplicator) async throws -> Int {
        try await deduplicator.write { tx in try tx.integer("SELECT COUNT(*) FROM effect") ?? -1 }
    }

    static func apply(_ deduplicator: Deduplicator, _ key: String) async throws -> Bool {
        try await deduplicator.process(key) { tx in
            try tx.execute("INSERT INTO effect(key) VALUES (?)", arguments: [.string(key)])
        }.wasApplied
    }

    @Test("idempotency keys: event id, a field, a hash of fields; a missing field is an error, not a collision")
    func idempotencyKeys() throws {
        let first = try EventEnvelope(
            type: "payment", source: "/shop", data: ["order": ["id": 42], "amount": 9.5, "customer": "c1"])
        var retry = first
        retry.id = "another-id"
        #expect(try IdempotencyKey.eventId.key(for: first) != IdempotencyKey.eventId.key(for: retry))
        #expect(try IdempotencyKey.field("order.id").key(for: first) == "42")
        #expect(try IdempotencyKey.field("order.id").key(for: retry) == "42")
        let hash = IdempotencyKey.hash(of: ["customer", "amount"])
        #expect(try hash.key(for: first) == hash.key(for: retry))
        var other = retry
        other.data = ["order": ["id": 43], "amount": 9.5, "customer": "c2"]
        #expect(try hash.key(for: first) != hash.key(for: other))
        #expect(throws: DeduplicationError.missingField(field: "refund", eventId: first.id)) {
            try IdempotencyKey.hash(of: ["customer", "refund"]).key(for: first)
        }
        #expect(throws: DeduplicationError.missingField(field: "order", eventId: first.id)) {
            try IdempotencyKey.field("order").key(for: first)
        }
    }

    @Test("a key seen once is a duplicate afterwards; the effect runs once")
    func duplicateSkipped() async throws {
        let deduplicator = Deduplicator(
            database: try TemporaryDatabase.make("dedup"), scope: "s", window: try Self.window(whenFull: .refuseNew))
        try await Self.ledger(deduplicator)
        #expect(try await Self.apply(deduplicator, "a"))
        #expect(try await Self.apply(deduplicator, "a") == false)
        #expect(try await Self.apply(deduplicator, "b"))
        #expect(try await Self.effects(deduplicator) == 2)
        #expect(deduplicator.counts == .init(new: 2, duplicates: 1))
        let entries = try await deduplicator.entries()
        #expect(entries.map(\.key) == ["a", "b"] && entries.map(\.duplicates) == [1, 0])
    }

    @Test("an effect that throws rolls its key back: the redelivery applies it")
    func failedEffectRollsBack() async throws {
        struct Failure: Error {}
        let deduplicator = Deduplicator(
            database: try TemporaryDatabase.make("dedup"), scope: "s", window: try Self.window(whenFull: .refuseNew))
        try await Self.ledger(deduplicator)
        await #expect(throws: Failure.self) {
            _ = try await deduplicator.process("a") { tx in
                try tx.execute("INSERT INTO effect(key) VALUES ('a')")
                throw Failure()
            }
        }
        #expect(try await Self.effects(deduplicator) == 0)
        #expect(try await deduplicator.entries().isEmpty)
        #expect(try await Self.apply(deduplicator, "a"))
        #expect(try await Self.effects(deduplicator) == 1)
    }

    @Test("keys expire after the time to live on the injected clock; a duplicate does not extend it")
    func timeToLive() async throws {
        let clock = TestClock()
        let deduplicator = Deduplicator(
            database: try TemporaryDatabase.make("dedup"), scope: "s",
            window: try Self.window(ttl: .seconds(10), whenFull: .refuseNew), clock: EventideClock(clock))
        #expect(try await deduplicator.check("a") == .new(evicted: []))
        await clock.advance(by: .seconds(9))
        #expect(try await deduplicator.check("a").isDuplicate)
        await clock.advance(by: .seconds(1))
        #expect(try await deduplicator.check("a") == .new(evicted: []), "10 s after the first sighting")
        #expect(deduplicator.counts == .init(new: 2, duplicates: 1, expired: 1))
    }

    @Test("full window, evict oldest: the oldest key is forgotten and its duplicate applies again")
    func evictOldest() async throws {
        let deduplicator = Deduplicator(
            database: try TemporaryDatabase.make("dedup"), scope: "s",
            window: try Self.window(capacity: 2, whenFull: .evictOldest))
        #expect(try await deduplicator.check("a") == .new(evicted: []))
        #expect(try await deduplicator.check("b") == .new(evicted: []))
        #expect(try await deduplicator.check("c") == .new(evicted: ["a"]))
        #expect(try await deduplicator.check("b").isDuplicate)
        #expect(try await deduplicator.check("a") == .new(evicted: ["b"]), "a was forgotten")
        #expect(try await deduplicator.entries().map(\.key) == ["c", "a"])
    }

    @Test("full window, refuse new: nothing recorded, nothing applied, until a key expires")
    func refuseNew() async throws {
        let clock = TestClock()
        let deduplicator = Deduplicator(
            database: try TemporaryDatabase.make("dedup"), scope: "s",
            window: try Self.window(ttl: .seconds(10), capacity: 2, whenFull: .refuseNew), clock: EventideClock(clock))
        try await Self.ledger(deduplicator)
        #expect(try await Self.apply(deduplicator, "a"))
        await clock.advance(by: .seconds(5))
        #expect(try await Self.apply(deduplicator, "b"))
        await #expect(throws: DeduplicationError.windowFull(scope: "s", capacity: 2)) {
            _ = try await Self.apply(deduplicator, "c")
        }
        #expect(try await Self.apply(deduplicator, "a") == false, "known keys are still answered")
        #expect(try await Self.effects(deduplicator) == 2)
        await clock.advance(by: .seconds(5))
        #expect(try await Self.apply(deduplicator, "c"), "a expired, making room")
        #expect(try await deduplicator.entries().map(\.key) == ["b", "c"])
        #expect(deduplicator.counts.refused == 1)
    }

    @Test("scopes are separate windows")
    func scopes() async throws {
        let database = try TemporaryDatabase.make("dedup")
        let window = try Self.window(whenFull: .refuseNew)
        let one = Deduplicator(database: database, scope: "one", window: window)
        let two = Deduplicator(database: database, scope: "two", window: window)
        #expect(try await one.check("k") == .new(evicted: []))
        #expect(try await two.check("k") == .new(evicted: []))
        #expect(try await one.check("k").isDuplicate)
    }

    @Test("restart in the middle of a window: the reopened store still knows the keys and their expiry")
    func restartMidWindow() async throws {
        let path = try TemporaryDatabase.make("dedup").path
        let window = try Self.window(ttl: .seconds(60), capacity: 10, whenFull: .refuseNew)
        let before = TestClock(epoch: Date(timeIntervalSince1970: 1_800_000_000))
        do {
            let deduplicator = Deduplicator(
                database: try EventideDatabase(path: path), scope: "s", window: window, clock: EventideClock(before))
            try await Self.ledger(deduplicator)
            for key in ["a", "b"] { #expect(try await Self.apply(deduplicator, key)) }
        }
        // The process restarts 30 s later: a new database handle on the same file, a new clock.
        let after = TestClock(epoch: Date(timeIntervalSince1970: 1_800_000_030))
        let deduplicator = Deduplicator(
            database: try EventideDatabase(path: path), scope: "s", window: window, clock: EventideClock(after))
        #expect(try await Self.apply(deduplicator, "a") == false)
        #expect(try await Self.apply(deduplicator, "c"))
        #expect(try await Self.effects(deduplicator) == 3)
        await after.advance(by: .seconds(30))
        #expect(try await Self.apply(deduplicator, "b"), "b's 60 s ran out across the restart")
        #expect(try await deduplicator.entries().map(\.key) == ["c", "b"])
    }

    @Test("a bad window is refused")
    func badWindow() {
        #expect(throws: DeduplicationError.self) { try DeduplicationWindow(timeToLive: .zero, capacity: 1) }
        #expect(throws: DeduplicationError.self) { try DeduplicationWindow(timeToLive: .seconds(1), capacity: 0) }
    }
}

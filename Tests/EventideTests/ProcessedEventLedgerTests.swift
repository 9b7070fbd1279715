import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Processed-event ledger: the marker and the effect commit together, once per key", .timeLimit(.minutes(1)))
struct ProcessedEventLedgerTests {
    let key = AssetKey(name: "orders", uri: "s3://lake/orders")

    func event(_ id: Int64, order: String = "o-1") -> AssetEvent {
        AssetEvent(
            id: id, asset: key, extra: ["order_id": .string(order)], source: .api(messageId: nil), alias: nil,
            timestamp: Date(timeIntervalSince1970: 1_800_000_000))
    }

    func ledger(_ database: EventideDatabase, key: (@Sendable (AssetEvent) -> String)? = nil) async throws
        -> ProcessedEventLedger
    {
        let ledger = try ProcessedEventLedger(
            database: database, consumer: "load", key: key ?? ProcessedEventLedger.eventIdKey)
        try await database.transaction { tx in try tx.execute("CREATE TABLE IF NOT EXISTS loaded(id INTEGER)") }
        return ledger
    }

    func insert(_ event: AssetEvent) -> @Sendable (StoreTransaction) throws -> Void {
        { tx in try tx.execute("INSERT INTO loaded(id) VALUES (?)", arguments: [.number(Double(event.id))]) }
    }

    func rows(_ database: EventideDatabase) async throws -> Int {
        try await database.transaction { tx in try tx.integer("SELECT COUNT(*) FROM loaded") ?? 0 }
    }

    @Test("the second processing of an event is skipped; status splits processed and pending")
    func once() async throws {
        let database = try TemporaryDatabase.make("ledger")
        let ledger = try await ledger(database)
        #expect(try await ledger.process(event(1), effect: insert(event(1))).wasApplied)
        #expect(try await !ledger.process(event(1), effect: insert(event(1))).wasApplied)
        #expect(try await rows(database) == 1)
        let status = try await ledger.status(of: [event(2), event(1), event(3)])
        #expect(status.processed == [1] && status.pending == [2, 3])
        #expect(try await ledger.isProcessed(event(1)))
        #expect(try await !ledger.isProcessed(event(2)))
    }

    @Test("an effect that throws leaves the event pending and nothing written")
    func failedEffect() async throws {
        struct Boom: Error {}
        let database = try TemporaryDatabase.make("ledger")
        let ledger = try await ledger(database)
        await #expect(throws: Boom.self) {
            _ = try await ledger.process(event(1)) { tx in
                try insert(event(1))(tx)
                throw Boom()
            }
        }
        #expect(try await rows(database) == 0)
        #expect(try await ledger.status(of: [event(1)]).pending == [1])
    }

    @Test("markers survive a reopened store and are per consumer; a business key makes two events one fact")
    func durableAndScoped() async throws {
        let database = try TemporaryDatabase.make("ledger")
        _ = try await ledger(database).process(event(1), effect: insert(event(1)))
        let reopened = try await ledger(database)
        #expect(try await reopened.isProcessed(event(1)))
        let other = try ProcessedEventLedger(database: database, consumer: "audit")
        #expect(try await !other.isProcessed(event(1)))
        let business = try await ledger(database) { $0.extra["order_id"]?.stringValue ?? "asset_event:\($0.id)" }
        #expect(try await business.process(event(7, order: "o-9"), effect: insert(event(7))).wasApplied)
        #expect(try await !business.process(event(8, order: "o-9"), effect: insert(event(8))).wasApplied)
    }
}

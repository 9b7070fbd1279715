import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import PostgresNIO
import Testing

extension AgainstPostgres {
    /// Issue 14, point 2: a broken connection under the postgres:// trigger is opened again with backoff.
    @Suite("Postgres trigger reconnects", .timeLimit(.minutes(2)))
    struct PostgresReconnectTests {
        @Test("a trigger whose backend is terminated mid-stream reconnects with backoff and delivers the next change")
        func backendTerminated() async throws {
            try await PostgresFixture.run("reconnect") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                try await db.slotHandle().createIfMissing()
                let start = try #require(try await db.slotHandle().confirmedLSN())
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (1)")
                let trigger = PostgresCDCTrigger(
                    endpoint: PostgresFixture.endpoint, slot: db.slot, tables: [db.qualifiedTable],
                    pollInterval: .milliseconds(20),
                    reconnect: ReconnectBackoff(
                        initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200), deadline: .seconds(20)))
                let stream = try trigger.events()
                let reader = Task {
                    var iterator = stream.makeAsyncIterator()
                    var ids: [JSONValue?] = []
                    while ids.count < 2, let event = try await iterator.next() {
                        ids.append(event.payload["key"]?["id"])
                        try await event.acknowledge()
                    }
                    return ids
                }
                // The reader polls the slot every 20 ms; each peek holds the slot, naming its backend.
                var backend = ""
                let found = try await db.waitUntil {
                    backend =
                        try await db.strings(
                            """
                            SELECT active_pid::text FROM pg_replication_slots WHERE slot_name = '\(db.slot)' AND active_pid IS NOT NULL
                            """
                        ).first ?? ""
                    return !backend.isEmpty
                }
                try #require(found, "the trigger never read its slot")
                #expect(try await db.strings("SELECT pg_terminate_backend(\(backend))::text") == ["true"])
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (2)")
                #expect(try await reader.value == [1, 2])
                let confirmed = try #require(try await db.slotHandle().confirmedLSN())
                #expect(confirmed > start, "both changes acknowledged through the new connection")
            }
        }

        @Test("an endpoint whose port does not fit is a typed error, not a trap")
        func badPort() async {
            await #expect {
                _ = try await PostgresEndpoint(host: "127.0.0.1", port: 99_999, database: "eventide").connect()
            } throws: { error in
                if case .unreachable = error as? CDCError { true } else { false }
            }
        }
    }
}

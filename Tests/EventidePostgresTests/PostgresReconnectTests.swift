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
                // The trigger's connection names its slot (application_name), so its backend is found between its
                // reads too (the slot names its backend only while a peek runs, which a loaded machine's look missed).
                var backends: [String] = []
                let connected = try await db.waitUntil {
                    backends = try await db.strings(
                        """
                        SELECT pid::text FROM pg_stat_activity
                        WHERE application_name = '\(LogicalSlot.applicationName(of: db.slot))'
                        """)
                    return !backends.isEmpty
                }
                try #require(connected, "the trigger never connected")
                try #require(backends.count == 1, "one connection reads the slot: \(backends)")
                let backend = backends[0]
                #expect(try await db.strings("SELECT pg_terminate_backend(\(backend))::text") == ["true"])
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (2)")
                #expect(try await reader.value == [1, 2])
                let confirmed = try #require(try await db.slotHandle().confirmedLSN())
                #expect(confirmed > start, "both changes acknowledged through the new connection")
            }
        }

        /// postgres-nio never answers a statement written as its channel closes; the slot's statements watch the
        /// channel, so one sent just after the backend was ended fails at once instead of after the timeout.
        @Test("a statement sent right after the backend was terminated between statements fails at once, every time")
        func terminatedBetweenStatements() async throws {
            try await PostgresFixture.run("terminated") { db in
                var endpoint = PostgresFixture.endpoint
                endpoint.timeout = .seconds(60)  // a statement left waiting would show as a time limit, not pass
                for attempt in 1...20 {
                    let slot = try await LogicalSlot.open(db.slot, at: endpoint)
                    let pids = try await db.strings(
                        """
                        SELECT pid::text FROM pg_stat_activity
                        WHERE application_name = '\(LogicalSlot.applicationName(of: db.slot))'
                        """)
                    try #require(pids.count == 1, "attempt \(attempt): \(pids)")
                    #expect(try await db.strings("SELECT pg_terminate_backend(\(pids[0]))::text") == ["true"])
                    let clock = ContinuousClock()
                    let started = clock.now
                    await #expect("attempt \(attempt)") {
                        _ = try await slot.confirmedLSN()
                    } throws: { error in
                        guard case .unreachable(_, let reason) = error as? CDCError else { return false }
                        return !reason.hasPrefix("no answer within")
                    }
                    #expect(clock.now - started < .seconds(10), "attempt \(attempt): not the 60 s timeout")
                    try? await slot.connection.close()  // postgres-nio requires a close before release
                }
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

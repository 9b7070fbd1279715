import Eventide
import EventidePostgres
import Testing

@Suite("postgres:// trigger URIs and an unreachable server", .timeLimit(.minutes(2)))
struct PostgresTriggerURITests {
    let registry = TriggerRegistry().registering(PostgresCDCTrigger.factory(password: "secret"))

    @Test("a postgres:// URI makes a CDC trigger with its endpoint, slot, tables and prefixes")
    func parses() throws {
        let trigger = try #require(
            try registry.trigger(
                for:
                    "postgres://app@db.local:6543/shop?slot=s1&tables=public.orders,%20sales.items&prefixes=orders&batch=50&interval=20&timeout=1500"
            )
                as? PostgresCDCTrigger)
        #expect(
            trigger.endpoint
                == PostgresEndpoint(
                    host: "db.local", port: 6543, username: "app", password: "secret", database: "shop",
                    timeout: .milliseconds(1500)))
        #expect(
            trigger.slot == "s1" && trigger.tables == ["public.orders", "sales.items"]
                && trigger.messagePrefixes == ["orders"])
        #expect(trigger.batchSize == 50 && trigger.pollInterval == .milliseconds(20))
        let defaults = try #require(
            try registry.trigger(for: "postgres://127.0.0.1/shop?slot=s") as? PostgresCDCTrigger)
        #expect(
            defaults.endpoint.port == 5432 && defaults.endpoint.username == "postgres" && defaults.tables.isEmpty
                && defaults.endpoint.timeout == .seconds(30))
    }

    @Test(
        "a URI without a slot, a database or with a table not named schema.table is refused",
        arguments: [
            "postgres://127.0.0.1/shop", "postgres://127.0.0.1/?slot=s",
            "postgres://127.0.0.1/shop?slot=s&tables=orders",
            "postgres://127.0.0.1/shop?slot=s&batch=0", "postgres://127.0.0.1/shop?slot=s&timeout=0",
        ])
    func refuses(uri: String) {
        #expect {
            _ = try registry.trigger(for: uri)
        } throws: { error in
            if case .invalidURI = error as? TriggerError { true } else { false }
        }
    }

    @Test("a server that is down gives CDCError.unreachable, from the reader and from the trigger's sequence")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let endpoint = PostgresEndpoint(host: "127.0.0.1", port: 1, database: "eventide")
        let reader = PostgresCDCReader(
            endpoint: endpoint, slot: "s", log: EventLog(database: try .temporary(prefix: "pg-down")),
            topic: "changes")
        await #expect { try await reader.poll() } throws: { error in
            if case .unreachable(let endpoint, _) = error as? CDCError {
                return endpoint == "postgres://postgres@127.0.0.1:1/eventide"
            }
            return false
        }
        var events = try PostgresCDCTrigger(endpoint: endpoint, slot: "s").events().makeAsyncIterator()
        await #expect { _ = try await events.next() } throws: { error in
            if case .unreachable = error as? CDCError { true } else { false }
        }
    }
}

import Eventide
import Foundation
import Logging
import PostgresNIO

/// Fires for every change a wal2json slot decodes:
/// `postgres://user@host:port/db?slot=s[&tables=public.orders,...][&prefixes=orders,...]`.
///
/// Each event's payload is the `ChangeEvent` as JSON and its message id `lsn/xid/index`. Acknowledging an event
/// (the triggerer does so only after the asset event is committed) advances the slot past it once every earlier
/// change is acknowledged too, so a watcher that stops early gets the unacknowledged changes again
/// (at-least-once; the message id lets the watcher drop them). The slot is created if it is missing.
///
/// The SQL interface has no way to wait for new WAL, so when a read comes back empty the trigger reads again
/// after `pollInterval` (URI `interval`, milliseconds).
public struct PostgresCDCTrigger: Trigger {
    public let endpoint: PostgresEndpoint
    public let slot: String
    public let tables: [String]
    public let messagePrefixes: [String]
    public let batchSize: Int
    public let pollInterval: Duration

    public init(endpoint: PostgresEndpoint, slot: String, tables: [String] = [], messagePrefixes: [String] = [],
                batchSize: Int = 500,
                pollInterval: Duration = .milliseconds(200)) {
        self.endpoint = endpoint
        self.slot = slot
        self.tables = tables
        self.messagePrefixes = messagePrefixes
        self.batchSize = max(1, batchSize)
        self.pollInterval = pollInterval
    }

    public var description: String {
        "PostgresCDCTrigger(\(endpoint), slot: \(slot)\(tables.isEmpty ? "" : ", tables: \(tables.joined(separator: ","))"))"
    }

    /// The connection is opened on the first `next()`: a server that is down makes the sequence throw
    /// `CDCError.unreachable` there.
    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let session = Session(trigger: self)
        return AsyncThrowingStream { try await session.next() }
    }

    /// The factory for
    /// `postgres://user[:password]@host[:port]/database?slot=name[&tables=s.t,...][&prefixes=p,...][&batch=n][&interval=ms][&timeout=ms]`
    /// (user defaults to `postgres`, port to 5432, `timeout`, the most a connection attempt or statement may take,
    /// to 30 s); `password` is used when the URI has none.
    public static func factory(password: String? = nil) -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "postgres") { uri in try PostgresCDCTrigger(uri: uri, password: password) }
    }

    public init(uri: TriggerURI, password: String? = nil) throws(TriggerError) {
        let (host, port) = try uri.endpoint(defaultPort: 5432)
        let database = try uri.singlePathSegment("database")
        func list(_ name: String) -> [String] {
            (uri.query[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let tables = list("tables")
        for table in tables where table.split(separator: ".").count != 2 {
            throw TriggerError.invalidURI(uri.text, reason: "'tables' lists schema.table names, got '\(table)'")
        }
        self.init(endpoint: PostgresEndpoint(host: host, port: port, username: uri.user ?? "postgres",
                                             password: uri.password ?? password, database: database,
                                             timeout: .milliseconds(try uri.integer("timeout", in: 1...3_600_000) ?? 30_000)),
                  slot: try uri.required("slot"), tables: tables, messagePrefixes: list("prefixes"),
                  batchSize: try uri.integer("batch", in: 1...100_000) ?? 500,
                  pollInterval: .milliseconds(try uri.integer("interval", in: 1...60_000) ?? 200))
    }

    /// One open sequence: its connection, the changes read but not yet handed out, and the cursor.
    private actor Session {
        let trigger: PostgresCDCTrigger
        let decoder = Wal2JSONDecoder()
        var slot: LogicalSlot?
        var buffer: [ChangeEvent] = []
        var cursor = SlotCursor()

        init(trigger: PostgresCDCTrigger) { self.trigger = trigger }

        deinit { slot?.closeInBackground() }

        func next() async throws -> TriggerEvent? {
            while buffer.isEmpty {
                if Task.isCancelled { return nil }
                let slot = try await openSlot()
                let batch = try decoder.decode(try await slot.peek(
                    limit: trigger.batchSize, options: Wal2JSONDecoder.pluginOptions(tables: trigger.tables, messagePrefixes: trigger.messagePrefixes)))
                var fresh = false
                let units = Dictionary(grouping: batch.changes, by: \.commitLSN)
                for safePoint in batch.safePoints where !cursor.isRegistered(safePoint) {
                    let changes = units[safePoint] ?? []
                    buffer += changes
                    fresh = true
                    if let target = cursor.register(safePoint: safePoint, changeIds: changes.map(\.id)) {
                        try await slot.advance(to: target)
                    }
                }
                if !fresh {
                    do { try await Task.sleep(for: trigger.pollInterval) } catch { return nil }
                }
            }
            let change = buffer.removeFirst()
            return TriggerEvent(payload: change.json, messageId: change.id, occurredAt: change.committedAt,
                                observedAt: Date(), acknowledge: { [self] in try await acknowledge(change.id) })
        }

        func acknowledge(_ id: String) async throws {
            guard let target = cursor.acknowledge(id) else { return }
            try await openSlot().advance(to: target)
        }

        private func openSlot() async throws(CDCError) -> LogicalSlot {
            if let slot { return slot }
            let slot = try await LogicalSlot.open(trigger.slot, at: trigger.endpoint)
            self.slot = slot
            return slot
        }
    }
}

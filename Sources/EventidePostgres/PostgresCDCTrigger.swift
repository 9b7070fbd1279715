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
///
/// A connection that breaks (the server restarted, the backend was terminated) is opened again with jittered
/// backoff (`reconnect`) before the sequence throws `CDCError.unreachable`; the slot resumes where it was confirmed.
public struct PostgresCDCTrigger: Trigger {
    public let endpoint: PostgresEndpoint
    public let slot: String
    public let tables: [String]
    public let messagePrefixes: [String]
    public let batchSize: Int
    public let pollInterval: Duration
    /// How a broken connection is opened again before the sequence gives up.
    public let reconnect: ReconnectBackoff

    public init(
        endpoint: PostgresEndpoint, slot: String, tables: [String] = [], messagePrefixes: [String] = [],
        batchSize: Int = 500,
        pollInterval: Duration = .milliseconds(200), reconnect: ReconnectBackoff = ReconnectBackoff()
    ) {
        self.endpoint = endpoint
        self.slot = slot
        self.tables = tables
        self.messagePrefixes = messagePrefixes
        self.batchSize = max(1, batchSize)
        self.pollInterval = pollInterval
        self.reconnect = reconnect
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
        self.init(
            endpoint: PostgresEndpoint(
                host: host, port: port, username: uri.user ?? "postgres",
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
        /// Whether a connection was ever opened: until then a failure is reported within the first-contact deadline.
        let contact = FirstContact()

        init(trigger: PostgresCDCTrigger) { self.trigger = trigger }

        deinit { slot?.closeInBackground() }

        func next() async throws -> TriggerEvent? {
            while buffer.isEmpty {
                if Task.isCancelled { return nil }
                let options = Wal2JSONDecoder.pluginOptions(
                    tables: trigger.tables, messagePrefixes: trigger.messagePrefixes)
                let rows = try await reconnecting { slot in
                    try await slot.peek(limit: self.trigger.batchSize, options: options)
                }
                let batch = try decoder.decode(rows)
                var fresh = false
                let units = Dictionary(grouping: batch.changes, by: \.commitLSN)
                for safePoint in batch.safePoints where !cursor.isRegistered(safePoint) {
                    let changes = units[safePoint] ?? []
                    buffer += changes
                    fresh = true
                    if let target = cursor.register(safePoint: safePoint, changeIds: changes.map(\.id)) {
                        try await reconnecting { slot in try await slot.advance(to: target) }
                    }
                }
                if !fresh {
                    do { try await Task.sleep(for: trigger.pollInterval) } catch { return nil }
                }
            }
            let change = buffer.removeFirst()
            return TriggerEvent(
                payload: change.json, messageId: change.id, occurredAt: change.committedAt,
                observedAt: Date(), acknowledge: { [self] in try await acknowledge(change.id) })
        }

        func acknowledge(_ id: String) async throws {
            guard let target = cursor.acknowledge(id) else { return }
            try await reconnecting { slot in try await slot.advance(to: target) }
        }

        /// Runs `body` on the slot's connection; when the connection is broken, drops it and retries on a new
        /// one with backoff, until `trigger.reconnect`'s deadline.
        @discardableResult
        private func reconnecting<Value: Sendable>(_ body: (LogicalSlot) async throws -> Value) async throws -> Value {
            try await trigger.reconnect.run(contact: contact, isTransient: Self.isConnectionLoss) {
                do {
                    return try await body(try await openSlot())
                } catch {
                    if Self.isConnectionLoss(error) {
                        slot?.closeInBackground()
                        slot = nil
                    }
                    throw error
                }
            }
        }

        static func isConnectionLoss(_ error: any Error) -> Bool {
            if case .unreachable = error as? CDCError { true } else { false }
        }

        private func openSlot() async throws(CDCError) -> LogicalSlot {
            if let slot { return slot }
            let slot = try await LogicalSlot.open(trigger.slot, at: trigger.endpoint)
            self.slot = slot
            contact.record()
            return slot
        }
    }
}

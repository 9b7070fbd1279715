import Foundation

/// Fires for every committed change `SQLiteChangeCapture` recorded for `tables`, from where `slot` confirmed.
/// Acknowledging a change confirms the slot through it once every earlier change is acknowledged too, so a
/// restarted watcher gets the unacknowledged changes again (at-least-once; the message id `seq` drops them).
public struct SQLiteChangeTrigger: Trigger {
    public let capture: SQLiteChangeCapture
    public let slot: String
    public let tables: [String]
    public let interval: Duration
    /// Measures the poll interval and dates `observedAt`.
    public let clock: EventideClock

    public init(
        capture: SQLiteChangeCapture, slot: String, tables: [String] = [], interval: Duration = .milliseconds(20),
        clock: EventideClock = .system
    ) {
        self.capture = capture
        self.slot = slot
        self.tables = tables
        self.interval = interval
        self.clock = clock
    }

    public var description: String {
        "SQLiteChangeTrigger(slot: \(slot)\(tables.isEmpty ? "" : ", tables: \(tables.joined(separator: ","))"))"
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let session = Session(trigger: self)
        return AsyncThrowingStream { try await session.next() }
    }

    private actor Session {
        let trigger: SQLiteChangeTrigger
        var cursor: Int64?
        var buffer: [CapturedChange] = []
        var acknowledged = AcknowledgedPrefix<Int64>()

        init(trigger: SQLiteChangeTrigger) { self.trigger = trigger }

        func next() async throws -> TriggerEvent? {
            while buffer.isEmpty {
                if Task.isCancelled { return nil }
                let from = try await cursorStart()
                buffer = try await trigger.capture.changes(after: from, tables: trigger.tables)
                if let last = buffer.last { cursor = last.seq }
                if buffer.isEmpty {
                    do { try await trigger.clock.sleep(for: trigger.interval) } catch { return nil }
                }
            }
            let change = buffer.removeFirst()
            acknowledged.deliver(change.seq)
            return TriggerEvent(
                payload: change.payload, messageId: "\(trigger.slot)@\(change.seq)",
                occurredAt: EventTime.parse(change.at), observedAt: trigger.clock.date,
                acknowledge: { [self] in try await acknowledge(change.seq) })
        }

        private func cursorStart() async throws -> Int64 {
            if let cursor { return cursor }
            let confirmed = try await trigger.capture.confirmed(slot: trigger.slot)
            cursor = confirmed
            return confirmed
        }

        private func acknowledge(_ seq: Int64) async throws {
            if let reached = acknowledged.acknowledge(seq) {
                try await trigger.capture.confirm(slot: trigger.slot, through: reached)
            }
        }
    }
}

import Foundation

/// A trigger that checks a condition every `interval` on the clock, inside the triggerer, and fires once the
/// check returns a payload (Airflow's `S3KeyTrigger` and `GCSBlobTrigger` poll this way: the deferred task
/// holds no worker slot while the triggerer pokes). The check runs in the consuming task: no task of its own.
///
/// ```swift
/// let trigger = PokeTrigger(name: "s3 landing/*.csv", interval: .seconds(5), clock: context.clock) {
///     try await objects.listObjects(bucket: "landing", prefix: "").isEmpty ? nil : ["found": true]
/// }
/// ```
public struct PokeTrigger: Trigger {
    public let name: String
    public let interval: Duration
    public let clock: EventideClock
    /// Counts the checks made (shared by every sequence made from this trigger, and with whoever passed it in).
    public let pokes: Counter
    let check: @Sendable () async throws -> JSONValue?

    public init(
        name: String, interval: Duration, clock: EventideClock = .system, pokes: Counter = Counter(),
        check: @escaping @Sendable () async throws -> JSONValue?
    ) {
        self.name = name
        self.interval = max(interval, .milliseconds(1))
        self.clock = clock
        self.pokes = pokes
        self.check = check
    }

    public var description: String { "PokeTrigger(\(name), every \(interval))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (check, clock, interval, pokes) = (check, clock, interval, pokes)
        let checks = Counter()  // this sequence's own: the first check is at once
        return AsyncThrowingStream {
            while true {
                if checks.next() > 1 { try await clock.sleep(for: interval) }
                pokes.next()
                if let payload = try await check() {
                    return TriggerEvent(payload: payload, observedAt: clock.date)
                }
            }
        }
    }
}

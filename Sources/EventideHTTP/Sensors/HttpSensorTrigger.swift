import Eventide

/// `HttpSensor` in the triggerer (Airflow's `HttpSensorTrigger`): polls the endpoint with the sensor's decision,
/// waiting between requests as the sensor's settings say, and fires once, with the ready value as its payload. A
/// fatal answer ends it with `HttpSensorFailure` (the deferred task fails); the triggerer applies the timeout.
///
/// The worker has just poked when the task defers (poke `afterPoke`), so the trigger waits one interval before its
/// first request, as if the worker had gone on poking: deferring never sends two requests back to back.
public struct HttpSensorTrigger: Trigger {
    public let sensor: HttpSensor
    public let settings: SensorSettings
    public let clock: EventideClock
    /// The sensor's deadline on `clock`: each request's timeout and each wait are cut to it.
    public let deadline: EventideClock.Instant
    /// The worker's last poke before it deferred: the trigger's first request is poke `afterPoke + 1`.
    public let afterPoke: Int
    /// Requests sent so far, by every sequence of this trigger.
    public let requests = Counter()

    public init(
        sensor: HttpSensor, settings: SensorSettings, clock: EventideClock, deadline: EventideClock.Instant,
        afterPoke: Int = 1
    ) {
        self.sensor = sensor
        self.settings = settings
        self.clock = clock
        self.deadline = deadline
        self.afterPoke = max(afterPoke, 0)
    }

    public var description: String { "HttpSensorTrigger(\(sensor.method.rawValue) \(sensor.url))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let pokes = Counter(), fired = Counter()
        return AsyncThrowingStream { [sensor, settings, clock, deadline, requests, afterPoke] in
            guard fired.current == 0 else { return nil }  // fires once
            while true {
                // The wait after the previous poke (the worker's, the first time), cut to the time left.
                let previous = afterPoke + pokes.current
                let left = max(clock.now.duration(to: deadline), .zero)
                try await clock.sleep(for: min(settings.interval(afterPoke: previous), left))
                pokes.next()
                requests.next()
                switch await sensor.probe(remaining: clock.now.duration(to: deadline)) {
                case .ready(let value):
                    fired.next()
                    return TriggerEvent(payload: value ?? .null, observedAt: clock.date)
                case .fatal(let failure):
                    throw failure
                case .retry:
                    continue
                }
            }
        }
    }
}

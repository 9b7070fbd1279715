import Eventide

/// `HttpSensor` in the triggerer (Airflow's `HttpSensorTrigger`): polls the endpoint with the sensor's decision,
/// waiting between requests as the sensor's settings say, and fires once, with the ready value as its payload. A
/// fatal answer ends it with `HttpSensorFailure` (the deferred task fails); the triggerer applies the timeout.
public struct HttpSensorTrigger: Trigger {
    public let sensor: HttpSensor
    public let settings: SensorSettings
    public let clock: EventideClock
    /// The sensor's deadline on `clock`: each request's timeout is cut to it.
    public let deadline: EventideClock.Instant
    /// Requests sent so far, by every sequence of this trigger.
    public let requests = Counter()

    public init(sensor: HttpSensor, settings: SensorSettings, clock: EventideClock, deadline: EventideClock.Instant) {
        self.sensor = sensor
        self.settings = settings
        self.clock = clock
        self.deadline = deadline
    }

    public var description: String { "HttpSensorTrigger(\(sensor.method.rawValue) \(sensor.url))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let pokes = Counter(), fired = Counter()
        return AsyncThrowingStream { [sensor, settings, clock, deadline, requests] in
            guard fired.current == 0 else { return nil }  // fires once
            while true {
                let poke = pokes.next()
                requests.next()
                switch await sensor.probe(remaining: clock.now.duration(to: deadline)) {
                case .ready(let value):
                    fired.next()
                    return TriggerEvent(payload: value ?? .null, observedAt: clock.date)
                case .fatal(let failure):
                    throw failure
                case .retry:
                    try await clock.sleep(for: settings.interval(afterPoke: poke))
                }
            }
        }
    }
}

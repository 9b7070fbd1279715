import AsyncHTTPClient
import Eventide
import NIOHTTP1

/// Waits until an HTTP endpoint is ready (Airflow's `HttpSensor`): each poke sends one request and
/// `HttpPokeDecision.decide` reads the result with `responseCheck`.
///
/// - connection errors, timeouts and 5xx answers: not yet, poke again;
/// - an answer `responseCheck` marks fatal (by default a 4xx other than 404/408/425/429): the task fails at once
///   (`SensorFailed`, not retried; skipped with `softFail`);
/// - ready: the task returns the check's value (by default the body) to downstream tasks.
///
/// Each request's timeout is cut to the time left before the sensor's timeout (`boundedByDeadline`), so a
/// hanging endpoint cannot hold the sensor past its deadline. In the deferrable mode `HttpSensorTrigger` polls in
/// the triggerer with the same decision and the same intervals.
///
/// ```swift
/// let ready = HttpSensor(url: "http://127.0.0.1:8080/health", responseCheck: .json { body in
///     body["status"] == "ok" ? .ready(body) : .notReady("still \(body["status"] ?? .null)")
/// })
/// TaskDefinition.sensor("wait_api", ready, settings: SensorSettings(pokeInterval: .seconds(5), timeout: .seconds(600)))
/// ```
public struct HttpSensor: Sensor {
    public var url: String
    public var method: HTTPMethod
    public var headers: [String: String]
    public var body: String?
    public var responseCheck: HttpResponseCheck
    /// The longest one request may take.
    public var requestTimeout: Duration
    /// Cut each request's timeout to the time left before the sensor's timeout (the deadline strategy).
    public var boundedByDeadline: Bool
    public var prober: HttpProber

    public init(
        url: String, method: HTTPMethod = .GET, headers: [String: String] = [:], body: String? = nil,
        responseCheck: HttpResponseCheck = .status, requestTimeout: Duration = .seconds(10),
        boundedByDeadline: Bool = true, prober: HttpProber = HttpProber()
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.responseCheck = responseCheck
        self.requestTimeout = requestTimeout
        self.boundedByDeadline = boundedByDeadline
        self.prober = prober
    }

    /// The timeout of a request sent with `remaining` time left before the sensor's timeout.
    public func requestTimeout(remaining: Duration) -> Duration {
        boundedByDeadline ? max(min(requestTimeout, remaining), .milliseconds(10)) : requestTimeout
    }

    /// One request and its decision.
    public func probe(remaining: Duration) async -> HttpPokeDecision {
        let result = await prober.probe(
            url, method: method, headers: headers.sorted { $0.key < $1.key }, body: body,
            timeout: requestTimeout(remaining: remaining))
        return HttpPokeDecision.decide(result, check: responseCheck)
    }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        switch await probe(remaining: context.remaining) {
        case .ready(let value): return .done(value)
        case .retry: return .notDone
        case .fatal(let failure): throw SensorFailed(failure.description)
        }
    }

    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
        HttpSensorTrigger(
            sensor: self, settings: context.settings, clock: context.clock,
            deadline: context.clock.now.advanced(by: context.remaining), afterPoke: context.pokeNumber)
    }
}

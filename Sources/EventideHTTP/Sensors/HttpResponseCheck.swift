import Eventide

/// Reads a response and says whether the endpoint is ready (Airflow's `response_check`, which here can also say
/// that waiting is pointless). It sees every answer below 500; 5xx answers are always retried.
///
/// ```swift
/// let check = HttpResponseCheck.json { body in
///     body["status"] == "ok" ? .ready(body) : .notReady("status \(body["status"] ?? .null)")
/// }
/// ```
public struct HttpResponseCheck: Sendable {
    /// What a check says of one response.
    public enum Verdict: Sendable, Hashable {
        /// Ready: the sensor is done and returns the value to downstream tasks.
        case ready(JSONValue?)
        /// Not yet: poke again.
        case notReady(String)
        /// It will never be ready (a 401, a 403, a 400 for a malformed request): fail now.
        case fatal(String)
    }

    public let evaluate: @Sendable (HttpSensorResponse) -> Verdict

    public init(_ evaluate: @escaping @Sendable (HttpSensorResponse) -> Verdict) { self.evaluate = evaluate }

    /// Client errors that mean "not there yet" (Airflow's `response_error_codes_allowlist` is `404`): not found,
    /// request timeout, too early, too many requests.
    public static let retryableClientStatuses: Set<Int> = [404, 408, 425, 429]

    /// The status alone: 2xx is ready (returning the body, as JSON when it is), 404/408/425/429 and 3xx are not
    /// yet, any other 4xx is fatal.
    public static let status = HttpResponseCheck { response in
        statusVerdict(response) ?? .ready(response.json ?? .string(response.body))
    }

    /// The status as `status` reads it, then `validate` on a 2xx body that is JSON; a 2xx body that is not JSON is
    /// not ready (a proxy's HTML page, a half-started server).
    public static func json(_ validate: @escaping @Sendable (JSONValue) -> Verdict) -> HttpResponseCheck {
        HttpResponseCheck { response in
            if let verdict = statusVerdict(response) { return verdict }
            guard let body = response.json else { return .notReady("the body is not JSON") }
            return validate(body)
        }
    }

    /// `nil` for a 2xx (the body decides).
    static func statusVerdict(_ response: HttpSensorResponse) -> Verdict? {
        switch response.status {
        case 200..<300: nil
        case let status where retryableClientStatuses.contains(status) || status < 400:
            .notReady("HTTP \(status)")
        default: .fatal("HTTP \(response.status)")
        }
    }
}

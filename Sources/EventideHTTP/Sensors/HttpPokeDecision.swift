import Eventide

/// What one request of `HttpSensor` decides: a plain function of the result and the check, tested without a
/// server.
public enum HttpPokeDecision: Sendable, Hashable {
    /// Why the sensor pokes again.
    public enum RetryReason: Sendable, Hashable, Codable {
        case connectionFailed
        case timedOut
        case serverError(status: Int)
        case notReady
    }

    case ready(JSONValue?)
    case retry(RetryReason, detail: String)
    case fatal(HttpSensorFailure)

    /// Connection errors, timeouts and 5xx are retried; every other answer goes to `check`.
    public static func decide(_ result: HttpProbeResult, check: HttpResponseCheck) -> HttpPokeDecision {
        switch result {
        case .connectionFailed(let reason): return .retry(.connectionFailed, detail: reason)
        case .timedOut(let after): return .retry(.timedOut, detail: "no answer within \(after)")
        case .response(let response) where response.status >= 500:
            return .retry(.serverError(status: response.status), detail: "HTTP \(response.status)")
        case .response(let response):
            switch check.evaluate(response) {
            case .ready(let value): return .ready(value)
            case .notReady(let detail): return .retry(.notReady, detail: detail)
            case .fatal(let detail): return .fatal(HttpSensorFailure(status: response.status, detail: detail))
            }
        }
    }
}

/// The endpoint answered something that will not change by waiting (the check marked it fatal): the sensor fails
/// at once instead of waiting out its timeout.
public struct HttpSensorFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public let status: Int
    public let detail: String

    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String {
        "the endpoint answered HTTP \(status), which the response check marks fatal (\(detail)): fix the request "
            + "(credentials, path, parameters) rather than waiting"
    }
}

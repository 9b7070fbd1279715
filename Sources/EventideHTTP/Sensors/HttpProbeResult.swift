/// The result of one request of `HttpSensor`: an answer, or no answer at all.
public enum HttpProbeResult: Sendable, Hashable {
    /// The endpoint answered (any status).
    case response(HttpSensorResponse)
    /// Nothing answered: connection refused or reset, name not resolved.
    case connectionFailed(reason: String)
    /// The request took longer than its timeout.
    case timedOut(after: Duration)
}

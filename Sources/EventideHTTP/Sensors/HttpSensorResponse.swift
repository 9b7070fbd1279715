import Eventide

/// What an endpoint answered to one of `HttpSensor`'s requests.
public struct HttpSensorResponse: Sendable, Hashable, Codable {
    public let status: Int
    public let body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }

    /// The body as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONValue.parse(body) }
}

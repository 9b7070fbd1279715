import Eventide
import HTTPTypes
import Hummingbird

/// Where a delivery carries one of its attributes (its id, its event type): a request header, or a top-level
/// string field of the JSON payload.
public enum WebhookField: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A request header, e.g. `X-GitHub-Delivery`.
    case header(String)
    /// A top-level field of the JSON payload, e.g. Stripe's event `id`.
    case payload(String)

    /// The value in a delivery, or `nil` when it is absent or empty (a number in the payload is read as text).
    func value(headers: HTTPFields, payload: [String: JSONValue]) -> String? {
        let found: String? =
            switch self {
            case .header(let name): HTTPField.Name(name).flatMap { headers[$0] }
            case .payload(let key):
                switch payload[key] {
                case .string(let text)?: text
                case .number?: payload[key]?.intValue.map(String.init)
                default: nil
                }
            }
        return found.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Throws when a header name is not a valid HTTP field name.
    func validate() throws(WebhookConfigurationError) {
        if case .header(let name) = self, HTTPField.Name(name) == nil { throw .invalidHeaderName(name) }
    }

    public var description: String {
        switch self {
        case .header(let name): "header \(name)"
        case .payload(let key): "payload field '\(key)'"
        }
    }
}

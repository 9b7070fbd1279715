import Crypto
import Eventide
import Foundation
import HTTPTypes
import Hummingbird

/// Where a sender's idempotency key comes from: the same key means the same event, so a retry of it records
/// nothing new and gets the first answer back.
public enum IdempotencyKeyRule: Sendable, Hashable, CustomStringConvertible {
    /// A request header, `Idempotency-Key` by convention (IETF draft-ietf-httpapi-idempotency-key-header). In a
    /// batch, element `i` gets `<value>#<i>`, so a retried batch maps onto the same keys.
    case header(String)
    /// A field of the sender's event (a dotted path, e.g. `id` or `data.order_id`), a string or a number.
    case field(String)
    /// SHA-256 of the values of several fields (each must be present), in hex: for senders without an id.
    case hash(of: [String])

    public static let idempotencyKeyHeader = IdempotencyKeyRule.header("Idempotency-Key")

    /// The key of element `index` (of `count`) of a request; throws `GatewayRefusal` (400 for a missing header,
    /// 422 for a missing field).
    func key(
        of element: JSONValue, index: Int, isBatch: Bool, headers: HTTPFields
    ) throws(GatewayRefusal) -> String {
        switch self {
        case .header(let name):
            guard let field = HTTPField.Name(name), let value = headers[field],
                !value.trimmingCharacters(in: .whitespaces).isEmpty
            else { throw .missingIdempotencyKey(header: name) }
            guard value.count <= 255 else {
                throw .invalidEvent(.invalid("", "the \(name) header is longer than 255 characters"))
            }
            return isBatch ? "\(value)#\(index)" : value
        case .field(let path):
            return try Self.text(of: path, in: element, index: isBatch ? index : nil)
        case .hash(let paths):
            var values: [String] = []
            for path in paths { values.append(try Self.text(of: path, in: element, index: isBatch ? index : nil)) }
            return Self.digest(JSONValue.array(values.map(JSONValue.string)).jsonText)
        }
    }

    private static func text(of path: String, in element: JSONValue, index: Int?) throws(GatewayRefusal) -> String {
        switch EventFields.value(at: path, in: element) {
        case .string(let text) where !text.isEmpty: return text
        case .number(let number): return Int64(exactly: number).map(String.init) ?? String(number)
        case nil: throw .invalidEvent(EventFormatError.missing(path).at(index: index))
        default: throw .invalidEvent(EventFormatError.wrongType(path, expected: "string").at(index: index))
        }
    }

    /// SHA-256 of the text's UTF-8 bytes, in hex.
    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String {
        switch self {
        case .header(let name): "header \(name)"
        case .field(let path): "field \(path)"
        case .hash(let paths): "hash of \(paths.joined(separator: ", "))"
        }
    }
}

import Eventide
import Foundation

/// A value in an AMQP field table: message headers, queue and exchange arguments, the `x-death` record.
public enum AMQPFieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    /// Any integer width on the wire (b, B, s, u, I, i, l; L when it fits); sent as a signed 64-bit `l`.
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// Seconds since 1970, as AMQP timestamps are.
    case timestamp(Date)
    /// A decimal: `value` × 10^-`scale`.
    case decimal(scale: UInt8, value: UInt32)
    case bytes([UInt8])
    case array([AMQPFieldValue])
    case table([String: AMQPFieldValue])
    case void

    public var description: String {
        switch self {
        case .string(let value): return "\"\(value)\""
        case .int(let value): return "\(value)"
        case .double(let value): return "\(value)"
        case .bool(let value): return "\(value)"
        case .timestamp(let value): return "\(value)"
        case .decimal(let scale, let value): return "\(value)e-\(scale)"
        case .bytes(let value): return "<\(value.count) bytes>"
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .table(let table):
            return "{" + table.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .void: return "void"
        }
    }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
    public var arrayValue: [AMQPFieldValue]? { if case .array(let value) = self { value } else { nil } }
    public var tableValue: [String: AMQPFieldValue]? { if case .table(let value) = self { value } else { nil } }

    /// The value as JSON: timestamps as seconds since 1970, bytes as base64, decimals as numbers.
    public var json: JSONValue {
        switch self {
        case .string(let value): return .string(value)
        case .int(let value): return .number(Double(value))
        case .double(let value): return .number(value)
        case .bool(let value): return .bool(value)
        case .timestamp(let value): return .number(value.timeIntervalSince1970)
        case .decimal(let scale, let value): return .number(Double(value) / pow(10, Double(scale)))
        case .bytes(let value): return .string(Data(value).base64EncodedString())
        case .array(let values): return .array(values.map(\.json))
        case .table(let table): return .object(table.mapValues(\.json))
        case .void: return .null
        }
    }
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: AMQPFieldValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

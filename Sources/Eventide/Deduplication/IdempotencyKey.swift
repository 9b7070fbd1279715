/// How a consumer recognises "the same thing again": the key a deduplicator tracks for each event.
///
/// - ``eventId``: the envelope's id. Catches redeliveries of one message (a broker resending after a lost
///   acknowledgement), not a producer that retried and minted a new id for the same business fact.
/// - ``field(_:)``: a business identifier in the payload (`"order_id"`, `"payment.id"`): catches both.
/// - ``hash(of:)``: a stable hash (FNV-1a, 64 bit) of several fields' canonical JSON, when no single field
///   identifies the fact (customer + amount + day).
///
/// ```swift
/// let key = IdempotencyKey.hash(of: ["customer", "amount", "day"])
/// let decision = try await deduplicator.process(event, key: key) { tx in try tx.execute("INSERT …") }
/// ```
public struct IdempotencyKey: Sendable, CustomStringConvertible {
    /// What the key is made of, e.g. `field(order_id)`.
    public let description: String
    private let derive: @Sendable (EventEnvelope) throws(DeduplicationError) -> String

    /// A key derived by `derive`, named `name` in descriptions.
    public static func custom(
        _ name: String, _ derive: @escaping @Sendable (EventEnvelope) throws(DeduplicationError) -> String
    ) -> IdempotencyKey {
        IdempotencyKey(description: name, derive: derive)
    }

    /// The envelope's id.
    public static let eventId = custom("event id") { $0.id }

    /// The scalar at a dotted path of the event's data (`"payment.id"`), as text.
    public static func field(_ path: String) -> IdempotencyKey {
        custom("field(\(path))") { event throws(DeduplicationError) in
            guard let value = scalar(at: path, in: event.data) else {
                throw .missingField(field: path, eventId: event.id)
            }
            return value
        }
    }

    /// A hex FNV-1a hash of the named fields' values (canonical JSON, in the order given). Every field must be
    /// present: a missing one would silently make unrelated events collide.
    public static func hash(of paths: [String]) -> IdempotencyKey {
        custom("hash(\(paths.joined(separator: ", ")))") { event throws(DeduplicationError) in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for path in paths {
                guard let value = value(at: path, in: event.data), value.objectValue == nil, value.arrayValue == nil
                else { throw .missingField(field: path, eventId: event.id) }
                for byte in (path + "=" + value.jsonText + "\u{1F}").utf8 {
                    hash ^= UInt64(byte)
                    hash &*= 0x0000_0100_0000_01b3
                }
            }
            return String(hash, radix: 16)
        }
    }

    /// The key of `event`.
    public func key(for event: EventEnvelope) throws(DeduplicationError) -> String { try derive(event) }

    static func value(at path: String, in data: JSONValue) -> JSONValue? {
        var current: JSONValue? = data
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current
    }

    static func scalar(at path: String, in data: JSONValue) -> String? {
        switch value(at: path, in: data) {
        case .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .bool(let flag): "\(flag)"
        default: nil
        }
    }
}

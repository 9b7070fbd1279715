/// A system allowed to post events to the gateway (`POST /events/{name}`): its format and where its
/// idempotency key comes from.
public struct GatewaySender: Sendable {
    /// The path segment and the name rules refer to: letters, digits, `_`, `-`, `.`.
    public let name: String
    public let format: EventFormat
    public let key: IdempotencyKeyRule

    public init(_ name: String, format: EventFormat, key: IdempotencyKeyRule) {
        self.name = name
        self.format = format
        self.key = key
    }
}

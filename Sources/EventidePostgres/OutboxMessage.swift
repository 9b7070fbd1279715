import Eventide

/// A message written to the WAL with `pg_logical_emit_message(transactional, prefix, content)`: the outbox.
/// A transactional message is decoded only if its transaction commits, in commit order with its row changes.
public struct OutboxMessage: Sendable, Hashable, Codable {
    /// The publisher's channel name, e.g. `orders`.
    public var prefix: String
    /// The content as written.
    public var content: String
    public var transactional: Bool

    public init(prefix: String, content: String, transactional: Bool) {
        self.prefix = prefix
        self.content = content
        self.transactional = transactional
    }

    /// The content parsed as JSON, or as a JSON string when it is not JSON.
    public var payload: JSONValue { (try? JSONValue.parse(content)) ?? .string(content) }
}

/// An exchange to declare (`exchange.declare`): where publishers send messages and bindings route them from.
public struct AMQPExchange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case direct, fanout, topic, headers
    }

    public var name: String
    public var kind: Kind
    /// Survives a broker restart.
    public var durable: Bool
    /// Deleted by the broker when its last binding is removed.
    public var autoDelete: Bool
    /// Only other exchanges can publish to it.
    public var `internal`: Bool
    public var arguments: [String: AMQPFieldValue]

    public init(
        _ name: String, kind: Kind = .direct, durable: Bool = false, autoDelete: Bool = false,
        internal: Bool = false, arguments: [String: AMQPFieldValue] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
    }
}

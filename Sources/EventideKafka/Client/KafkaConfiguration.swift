/// Where the brokers are and how patiently to talk to them.
public struct KafkaConfiguration: Sendable {
    /// A bootstrap broker; the others are learnt from Metadata.
    public var host: String
    public var port: Int
    public var clientId: String
    /// How long one request may wait for its answer (JoinGroup gets its rebalance timeout on top).
    public var requestTimeout: Duration
    /// How long a request keeps reconnecting to a broker that is down or restarting before it fails with
    /// `KafkaError.unreachable`; 0 fails at once.
    public var reconnectDeadline: Duration
    /// The first wait between reconnect attempts; it doubles up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration

    public init(host: String = "127.0.0.1", port: Int = 9092, clientId: String = "eventide",
                requestTimeout: Duration = .seconds(30), reconnectDeadline: Duration = .seconds(30),
                initialBackoff: Duration = .milliseconds(50), maximumBackoff: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.requestTimeout = requestTimeout
        self.reconnectDeadline = reconnectDeadline
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }
}

import Eventide

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
    /// The first wait between reconnect attempts; it doubles (jittered) up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// Bounds one connection attempt: the TCP connect and the broker's first answer (ApiVersions).
    public var connectTimeout: Duration
    /// How long a request keeps trying a broker this client has never reached (a wrong address, a broker not
    /// started): shorter than `reconnectDeadline`, so that a mistake is reported within seconds, while an
    /// outage of a broker already in use is ridden out.
    public var firstConnectDeadline: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 9092, clientId: String = "eventide",
        requestTimeout: Duration = .seconds(30), reconnectDeadline: Duration = .seconds(30),
        initialBackoff: Duration = .milliseconds(50), maximumBackoff: Duration = .seconds(1),
        connectTimeout: Duration = .seconds(2), firstConnectDeadline: Duration = .seconds(3)
    ) {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.requestTimeout = requestTimeout
        self.reconnectDeadline = reconnectDeadline
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.connectTimeout = connectTimeout
        self.firstConnectDeadline = firstConnectDeadline
    }

    /// How a request retries a broker: `firstConnectDeadline` until the broker has answered once, then
    /// `reconnectDeadline`.
    func backoff(reached: Bool) -> ReconnectBackoff {
        ReconnectBackoff(
            initialDelay: initialBackoff, maximumDelay: maximumBackoff,
            deadline: reached ? reconnectDeadline : min(reconnectDeadline, firstConnectDeadline))
    }
}

/// Where and how to connect to an AMQP 0-9-1 broker.
public struct AMQPConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var vhost: String
    public var user: String
    public var password: String
    /// Bounds the TCP connect and the AMQP handshake, in seconds.
    public var connectTimeout: Double
    /// Bounds each RPC (declare, bind, consume, close) and each wait for a publisher confirm, in seconds.
    public var operationTimeout: Double
    /// How long one read for deliveries blocks the connection's thread before a consumer checks for
    /// cancellation and lets queued calls (acks, publishes) run, in seconds.
    public var pollInterval: Double
    /// AMQP heartbeat in seconds; 0 turns heartbeats off. rabbitmq-c answers heartbeats only while a call
    /// reads from the socket, so a connection idle longer than two heartbeats without a consumer may be closed.
    public var heartbeat: Int

    public init(
        host: String = "127.0.0.1", port: Int = 5672, vhost: String = "/", user: String = "guest",
        password: String = "guest", connectTimeout: Double = 5, operationTimeout: Double = 10,
        pollInterval: Double = 0.05, heartbeat: Int = 0
    ) {
        self.host = host
        self.port = port
        self.vhost = vhost
        self.user = user
        self.password = password
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.pollInterval = pollInterval
        self.heartbeat = heartbeat
    }
}

/// What went wrong talking to an AMQP 0-9-1 broker (RabbitMQ) through rabbitmq-c.
///
/// Every status the C library reports maps to one of these: a socket that could not be opened, a login the
/// broker refused, a library error (`amqp_error_string2`), a channel or connection the broker closed with
/// its reply code and text, a publish the broker nacked, a wait that timed out.
public enum AMQPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No TCP connection to the broker (nothing listens there, wrong host or port, a firewall).
    case unreachable(host: String, port: Int, reason: String)
    /// The TCP connection opened but the AMQP handshake or login failed (wrong user, password or vhost).
    case loginFailed(host: String, port: Int, vhost: String, reason: String)
    /// rabbitmq-c reported an error (a negative `amqp_status_enum`) while doing `operation`.
    case library(operation: String, status: Int32, message: String)
    /// The broker closed the channel: e.g. 404 NOT_FOUND for a missing exchange or queue, 406
    /// PRECONDITION_FAILED for a redeclaration with other arguments, 403 ACCESS_REFUSED, 405 RESOURCE_LOCKED.
    /// The channel is unusable; open a new one.
    case channelClosed(channel: UInt16, replyCode: UInt16, replyText: String, operation: String)
    /// The broker closed the whole connection (320 CONNECTION_FORCED when it shuts down, 501/503 for a
    /// protocol error), or the connection was lost. Every channel on it is gone; connect again.
    case connectionClosed(replyCode: UInt16, replyText: String, operation: String)
    /// The broker answered a publish in confirm mode with basic.nack: it did not take the message.
    case publishNacked(exchange: String, routingKey: String, sequence: UInt64)
    /// Waiting for the broker took longer than allowed.
    case timedOut(operation: String, seconds: Double)
    /// The caller used the API wrongly (e.g. a header value AMQP cannot carry); nothing was sent.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unreachable(let host, let port, let reason):
            return
                "cannot connect to the AMQP broker at \(host):\(port): \(reason). Is RabbitMQ running and listening there "
                + "(scripts/servers up rabbitmq starts one on 127.0.0.1:5672)?"
        case .loginFailed(let host, let port, let vhost, let reason):
            return
                "the AMQP broker at \(host):\(port) refused the login to vhost '\(vhost)': \(reason). Check the user, "
                + "password and vhost in the URI (RabbitMQ's guest/guest works only from loopback) and the user's permissions."
        case .library(let operation, let status, let message):
            return "rabbitmq-c failed to \(operation): \(message) (status \(status)). The connection may be broken; "
                + "close it and connect again."
        case .channelClosed(let channel, let code, let text, let operation):
            return
                "the broker closed channel \(channel) during \(operation): \(code) \(text). \(Self.advice(replyCode: code)) "
                + "The channel cannot be used any more; open a new one."
        case .connectionClosed(let code, let text, let operation):
            return
                "the AMQP connection was closed during \(operation): \(code) \(text). \(Self.advice(replyCode: code)) "
                + "Connect again."
        case .publishNacked(let exchange, let routingKey, let sequence):
            return "the broker refused (basic.nack) the message published to exchange '\(exchange)' with routing key "
                + "'\(routingKey)' (publish #\(sequence)): it was not stored. Publish it again, or check the queue's limits "
                + "(x-max-length with overflow reject-publish) and the broker's disk and memory alarms."
        case .timedOut(let operation, let seconds):
            return
                "timed out after \(seconds) s waiting for the broker to \(operation). Is the broker overloaded or blocked "
                + "by a resource alarm (rabbitmqctl status)? Retry, or raise the timeout."
        case .invalidArgument(let reason):
            return "invalid AMQP request: \(reason)"
        }
    }

    /// What to do about an AMQP reply code.
    static func advice(replyCode: UInt16) -> String {
        switch replyCode {
        case 200: return "It was a normal close."
        case 311: return "The message is too large for the broker's frame size; send a smaller body."
        case 312: return "No queue is bound for this routing key (a mandatory publish); declare and bind a queue first."
        case 320: return "The broker or an operator forced the close (e.g. the broker is shutting down)."
        case 402: return "The virtual host does not exist or is not accessible; create it or fix the vhost in the URI."
        case 403: return "The user lacks permission for this resource; grant it with rabbitmqctl set_permissions."
        case 404: return "The exchange or queue does not exist; declare it before using it."
        case 405: return "The queue is exclusive to another connection, or locked; use another name or wait for it."
        case 406:
            return
                "A precondition failed: the exchange or queue exists with other arguments, or the delivery tag is unknown (acked twice, or on another channel); redeclare with the same arguments or ack on the channel that received the message."
        case 501, 502, 503, 504, 505, 506:
            return "The client sent something the protocol does not allow; this is a bug in the caller or the client."
        case 530: return "The operation is not allowed (e.g. deleting a built-in exchange)."
        case 540: return "The broker does not implement this operation."
        case 541: return "The broker hit an internal error; see its log."
        default: return ""
        }
    }
}

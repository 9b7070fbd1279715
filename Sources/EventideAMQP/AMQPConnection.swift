import CRabbitMQ
import Eventide
import Foundation

/// One connection to an AMQP 0-9-1 broker through rabbitmq-c, owned by an actor that runs on its own thread.
///
/// rabbitmq-c is blocking and not thread-safe per connection. The actor's executor is a dedicated thread
/// (`AMQPThreadExecutor`), so every call into the C library happens on that one thread, one at a time, and
/// blocking reads (a consumer waiting for deliveries, a publisher waiting for its confirm) never hold a
/// thread of Swift's cooperative pool. Consumers read with a short timeout (`pollInterval`) and return to
/// the executor between reads, so acknowledgements and publishes queued meanwhile run in between.
///
/// Frames that arrive while waiting for something else are routed where they belong: deliveries to their
/// consumer's buffer, publisher confirms to their channel, a `channel.close` from the broker to the channel
/// (which then throws `AMQPError.channelClosed` with the broker's reply code and text).
///
/// ```swift
/// let connection = try await AMQPConnection.connect(AMQPConfiguration(port: 5672))
/// let channel = try await connection.openChannel()
/// try await channel.declare(AMQPQueue("orders"))
/// try await channel.enableConfirms()
/// try await channel.publish(AMQPMessage(#"{"id": 7}"#), routingKey: "orders")
/// ```
public actor AMQPConnection {
    public nonisolated let configuration: AMQPConfiguration
    private nonisolated let executor: AMQPThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Owns the C connection; `nil` once closed or lost (releasing it destroys the C connection).
    private var handle: Handle?
    private var state: amqp_connection_state_t? { handle?.state }
    /// Why the connection is unusable, once it is.
    private var failure: AMQPError?
    private var channels: [UInt16: ChannelState] = [:]
    private var consumers: [String: ConsumerState] = [:]
    private var lastChannel: UInt16 = 0
    private var channelSerial: UInt64 = 0
    private let channelMax: UInt16

    struct ChannelState {
        let serial: UInt64
        var closed: AMQPError?
        var confirms = false
        var published: UInt64 = 0
        var unconfirmed: Set<UInt64> = []
        var nacked: Set<UInt64> = []
    }

    /// A consumer's deliveries read from the socket and not yet taken. They hold no `AMQPChannel` (which
    /// holds this actor): the actor must not keep itself alive, so that dropping a connection closes it.
    struct ConsumerState {
        let channel: UInt16
        let serial: UInt64
        var deliveries: [Buffered] = []
        var cancelledByBroker = false
    }

    struct Buffered {
        let message: AMQPMessage
        let exchange: String
        let routingKey: String
        let deliveryTag: UInt64
        let redelivered: Bool
    }

    /// Owns a C connection and destroys it (closing the socket) when released. Only the actor's thread
    /// uses it once the actor has it; before that, only the thread that opened it.
    private final class Handle: @unchecked Sendable {
        let state: amqp_connection_state_t
        init(_ state: amqp_connection_state_t) { self.state = state }
        deinit { amqp_destroy_connection(state) }
    }

    private init(configuration: AMQPConfiguration, executor: AMQPThreadExecutor, handle: Handle) {
        self.configuration = configuration
        self.executor = executor
        self.handle = handle
        let max = amqp_get_channel_max(handle.state)
        self.channelMax = max > 0 && max <= Int32(UInt16.max) ? UInt16(max) : UInt16.max
    }

    deinit {
        // Not closed by the caller: releasing the handle drops the socket, and the broker requeues what was
        // delivered and not acknowledged.
        executor.shutdown()
    }

    /// Connects and logs in, on the connection's own thread; throws `.unreachable` when nothing accepts the
    /// TCP connection and `.loginFailed` when the broker refuses the handshake.
    public static func connect(_ configuration: AMQPConfiguration = AMQPConfiguration()) async throws(AMQPError)
        -> AMQPConnection
    {
        let executor = AMQPThreadExecutor(name: "amqp \(configuration.host):\(configuration.port)")
        let opened = await executor.run { open(configuration) }
        switch opened {
        case .success(let handle):
            return AMQPConnection(configuration: configuration, executor: executor, handle: handle)
        case .failure(let error): executor.shutdown(); throw error
        }
    }

    /// Like `connect`, but blocks the calling thread for the TCP connect and the login (each bounded by
    /// `connectTimeout`): for synchronous callers such as `Trigger.events()`, which must throw when the
    /// source cannot be opened.
    public static func connectBlocking(_ configuration: AMQPConfiguration = AMQPConfiguration()) throws(AMQPError)
        -> AMQPConnection
    {
        let handle = try open(configuration).get()
        let executor = AMQPThreadExecutor(name: "amqp \(configuration.host):\(configuration.port)")
        return AMQPConnection(configuration: configuration, executor: executor, handle: handle)
    }

    private static func open(_ configuration: AMQPConfiguration) -> Result<Handle, AMQPError> {
        let host = configuration.host, port = configuration.port
        if let problem = NetworkPort.problem(port) {
            return .failure(.unreachable(host: host, port: port, reason: problem))
        }
        guard let state = amqp_new_connection() else {
            return .failure(
                .library(
                    operation: "create a connection", status: AMQP_STATUS_NO_MEMORY.rawValue, message: "out of memory"))
        }
        guard let socket = amqp_tcp_socket_new(state) else {
            amqp_destroy_connection(state)
            return .failure(
                .library(
                    operation: "create a TCP socket", status: AMQP_STATUS_NO_MEMORY.rawValue, message: "out of memory"))
        }
        var timeout = timeval(seconds: configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, host, Int32(port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(state)
            return .failure(.unreachable(host: host, port: port, reason: errorString(status)))
        }
        _ = amqp_set_handshake_timeout(state, &timeout)
        var rpcTimeout = timeval(seconds: configuration.operationTimeout)
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
        let reply = eventide_amqp_login_plain(
            state, configuration.vhost, 0, 131_072, Int32(configuration.heartbeat),
            configuration.user, configuration.password)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            let reason: String
            switch reply.reply_type {
            case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == eventide_amqp_connection_close_method:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                reason = "\(close.reply_code) \(AMQPCValues.string(close.reply_text))"
            case AMQP_RESPONSE_LIBRARY_EXCEPTION:
                // RabbitMQ drops the socket on bad credentials: the library sees the connection closed.
                reason =
                    errorString(reply.library_error)
                    + (reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue
                        ? " (the broker dropped the connection: usually wrong credentials)" : "")
            default:
                reason = "unexpected reply to the login"
            }
            amqp_destroy_connection(state)
            return .failure(.loginFailed(host: host, port: port, vhost: configuration.vhost, reason: reason))
        }
        return .success(Handle(state))
    }

    static func errorString(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    // MARK: Connection and channels

    /// Whether the connection can still be used.
    public var isOpen: Bool { state != nil && failure == nil }

    /// Closes the connection with the AMQP handshake (bounded by `operationTimeout`). Deliveries not
    /// acknowledged go back to their queues. Closing twice does nothing.
    public func close() {
        guard let state else { return }
        if failure == nil { _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS) }
        handle = nil
        failure =
            failure
            ?? .connectionClosed(
                replyCode: UInt16(AMQP_REPLY_SUCCESS), replyText: "closed by the client", operation: "close")
        consumers.removeAll()
    }

    /// Opens a new channel.
    public func openChannel() throws(AMQPError) -> AMQPChannel {
        let state = try live("open a channel")
        let id = try freeChannelNumber()
        channelSerial += 1
        let channel = AMQPChannel(connection: self, number: id, serial: channelSerial)
        channels[id] = ChannelState(serial: channelSerial)
        _ = amqp_channel_open(state, id)
        do {
            try check(amqp_get_rpc_reply(state), channel: channel, operation: "open channel \(id)")
        } catch {
            channels[id] = nil
            throw error
        }
        return channel
    }

    private func freeChannelNumber() throws(AMQPError) -> UInt16 {
        for _ in 0..<Int(channelMax) {
            lastChannel = lastChannel >= channelMax ? 1 : lastChannel + 1
            if channels[lastChannel] == nil { return lastChannel }
        }
        throw .invalidArgument("all \(channelMax) channels of the connection are open; close some before opening more")
    }

    func closeChannel(_ channel: AMQPChannel) throws(AMQPError) {
        guard let current = channels[channel.number], current.serial == channel.serial else { return }
        consumers = consumers.filter { $0.value.channel != channel.number || $0.value.serial != channel.serial }
        guard current.closed == nil, let state, failure == nil else { channels[channel.number] = nil; return }
        let reply = amqp_channel_close(state, channel.number, AMQP_REPLY_SUCCESS)
        defer { channels[channel.number] = nil }
        do {
            try check(reply, channel: channel, operation: "close channel \(channel.number)")
        } catch {
            // The broker had closed it already (its close crossed ours): that is the error worth reporting.
            if case .channelClosed = error { return }
            throw error
        }
    }

    // MARK: Declarations

    func declare(_ exchange: AMQPExchange, on channel: AMQPChannel) throws(AMQPError) {
        let operation = "declare exchange '\(exchange.name)'"
        let state = try usable(channel, operation)
        let reply = AMQPCValues.with { c in
            _ = amqp_exchange_declare(
                state, channel.number, c.bytes(exchange.name), c.bytes(exchange.kind.rawValue), 0,
                exchange.durable ? 1 : 0, exchange.autoDelete ? 1 : 0, exchange.internal ? 1 : 0,
                c.table(exchange.arguments))
            return amqp_get_rpc_reply(state)
        }
        try check(reply, channel: channel, operation: operation)
    }

    func declare(_ queue: AMQPQueue, passive: Bool, on channel: AMQPChannel) throws(AMQPError) -> AMQPQueueInfo {
        let operation = "declare queue '\(queue.name)'"
        let state = try usable(channel, operation)
        let (ok, reply) = AMQPCValues.with { c in
            let ok = amqp_queue_declare(
                state, channel.number, c.bytes(queue.name), passive ? 1 : 0, queue.durable ? 1 : 0,
                queue.exclusive ? 1 : 0, queue.autoDelete ? 1 : 0, c.table(queue.arguments))
            return (
                ok.map {
                    AMQPQueueInfo(
                        name: AMQPCValues.string($0.pointee.queue), messageCount: $0.pointee.message_count,
                        consumerCount: $0.pointee.consumer_count)
                },
                amqp_get_rpc_reply(state)
            )
        }
        try check(reply, channel: channel, operation: operation)
        guard let ok else { throw .library(operation: operation, status: 0, message: "no declare-ok from the broker") }
        return ok
    }

    func bind(
        queue: String, exchange: String, routingKey: String, arguments: [String: AMQPFieldValue],
        on channel: AMQPChannel
    ) throws(AMQPError) {
        let operation = "bind queue '\(queue)' to exchange '\(exchange)' with key '\(routingKey)'"
        let state = try usable(channel, operation)
        let reply = AMQPCValues.with { c in
            _ = amqp_queue_bind(
                state, channel.number, c.bytes(queue), c.bytes(exchange), c.bytes(routingKey), c.table(arguments))
            return amqp_get_rpc_reply(state)
        }
        try check(reply, channel: channel, operation: operation)
    }

    func deleteQueue(_ queue: String, on channel: AMQPChannel) throws(AMQPError) -> UInt32 {
        let operation = "delete queue '\(queue)'"
        let state = try usable(channel, operation)
        let (count, reply) = AMQPCValues.with { c in
            let ok = amqp_queue_delete(state, channel.number, c.bytes(queue), 0, 0)
            return (ok?.pointee.message_count ?? 0, amqp_get_rpc_reply(state))
        }
        try check(reply, channel: channel, operation: operation)
        return count
    }

    func deleteExchange(_ exchange: String, on channel: AMQPChannel) throws(AMQPError) {
        let operation = "delete exchange '\(exchange)'"
        let state = try usable(channel, operation)
        let reply = AMQPCValues.with { c in
            _ = amqp_exchange_delete(state, channel.number, c.bytes(exchange), 0)
            return amqp_get_rpc_reply(state)
        }
        try check(reply, channel: channel, operation: operation)
    }

    // MARK: Publishing

    func enableConfirms(on channel: AMQPChannel) throws(AMQPError) {
        let operation = "enable publisher confirms"
        let state = try usable(channel, operation)
        if channels[channel.number]?.confirms == true { return }
        _ = amqp_confirm_select(state, channel.number)
        try check(amqp_get_rpc_reply(state), channel: channel, operation: operation)
        channels[channel.number]?.confirms = true
    }

    /// Publishes each message, then, in confirm mode, waits until the broker has confirmed all of them.
    func publish(
        _ messages: [(message: AMQPMessage, exchange: String, routingKey: String)], mandatory: Bool,
        on channel: AMQPChannel
    ) throws(AMQPError) {
        for (message, exchange, routingKey) in messages {
            let operation = "publish to exchange '\(exchange)' with routing key '\(routingKey)'"
            let state = try usable(channel, operation)
            let status = AMQPCValues.with { c in
                var properties = c.properties(message)
                return amqp_basic_publish(
                    state, channel.number, c.bytes(exchange), c.bytes(routingKey), mandatory ? 1 : 0, 0,
                    &properties, c.bytes(message.body))
            }
            guard status == AMQP_STATUS_OK.rawValue else { throw lost(status, operation) }
            if channels[channel.number]?.confirms == true {
                channels[channel.number]?.published += 1
                if let sequence = channels[channel.number]?.published {
                    channels[channel.number]?.unconfirmed.insert(sequence)
                }
            }
        }
        guard channels[channel.number]?.confirms == true, let last = messages.last else { return }
        try waitForConfirms(
            on: channel,
            operation: "confirm the publish to exchange '\(last.exchange)' with routing key '\(last.routingKey)'")
        if let nacked = channels[channel.number]?.nacked.min() {
            channels[channel.number]?.nacked.removeAll()
            throw .publishNacked(exchange: last.exchange, routingKey: last.routingKey, sequence: nacked)
        }
    }

    private func waitForConfirms(on channel: AMQPChannel, operation: String) throws(AMQPError) {
        let deadline = Date().addingTimeInterval(configuration.operationTimeout)
        while true {
            _ = try usable(channel, operation)
            if channels[channel.number]?.unconfirmed.isEmpty != false { return }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw .timedOut(operation: operation, seconds: configuration.operationTimeout) }
            try pump(timeout: remaining, operation: operation)
        }
    }

    // MARK: Consuming

    func consume(
        queue: String, prefetch: UInt16?, consumerTag: String, exclusive: Bool,
        on channel: AMQPChannel
    ) throws(AMQPError) -> AMQPConsumer {
        let operation = "consume from queue '\(queue)'"
        let state = try usable(channel, operation)
        if let prefetch {
            _ = amqp_basic_qos(state, channel.number, 0, prefetch, 0)
            try check(amqp_get_rpc_reply(state), channel: channel, operation: "set prefetch \(prefetch)")
        }
        let (tag, reply) = AMQPCValues.with { c in
            let ok = amqp_basic_consume(
                state, channel.number, c.bytes(queue), c.bytes(consumerTag), 0, 0, exclusive ? 1 : 0,
                amqp_empty_table)
            return (ok.map { AMQPCValues.string($0.pointee.consumer_tag) }, amqp_get_rpc_reply(state))
        }
        try check(reply, channel: channel, operation: operation)
        guard let tag else { throw .library(operation: operation, status: 0, message: "no consume-ok from the broker") }
        consumers[tag] = ConsumerState(channel: channel.number, serial: channel.serial)
        return AMQPConsumer(channel: channel, queue: queue, consumerTag: tag)
    }

    enum Poll: Sendable {
        case delivery(AMQPDelivery)
        /// Nothing arrived within `pollInterval`.
        case idle
        /// The broker cancelled the consumer (its queue was deleted).
        case ended
    }

    /// The consumer's next buffered delivery, or one read from the socket within `pollInterval`.
    func poll(_ consumerTag: String, on channel: AMQPChannel) throws(AMQPError) -> Poll {
        let operation = "consume (consumer '\(consumerTag)')"
        if let delivery = popDelivery(consumerTag) { return .delivery(delivery) }
        _ = try usable(channel, operation)
        guard let consumer = consumers[consumerTag], !consumer.cancelledByBroker else { return .ended }
        try pump(timeout: configuration.pollInterval, operation: operation)
        if let delivery = popDelivery(consumerTag) { return .delivery(delivery) }
        _ = try usable(channel, operation)
        return .idle
    }

    private func popDelivery(_ consumerTag: String) -> AMQPDelivery? {
        guard let consumer = consumers[consumerTag], let first = consumer.deliveries.first else { return nil }
        consumers[consumerTag]?.deliveries.removeFirst()
        return AMQPDelivery(
            message: first.message, exchange: first.exchange, routingKey: first.routingKey,
            deliveryTag: first.deliveryTag, redelivered: first.redelivered, consumerTag: consumerTag,
            channel: AMQPChannel(connection: self, number: consumer.channel, serial: consumer.serial))
    }

    func ack(_ deliveryTag: UInt64, multiple: Bool, on channel: AMQPChannel) throws(AMQPError) {
        let operation = "ack delivery \(deliveryTag)"
        let state = try usable(channel, operation)
        let status = amqp_basic_ack(state, channel.number, deliveryTag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw lost(status, operation) }
    }

    func nack(_ deliveryTag: UInt64, multiple: Bool, requeue: Bool, on channel: AMQPChannel) throws(AMQPError) {
        let operation = "nack delivery \(deliveryTag)"
        let state = try usable(channel, operation)
        let status = amqp_basic_nack(state, channel.number, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw lost(status, operation) }
    }

    // MARK: Reading frames

    /// Reads one frame (waiting up to `timeout` seconds) and routes it: a delivery to its consumer, a confirm
    /// to its channel, a close from the broker to the channel or connection it closes.
    private func pump(timeout: Double, operation: String) throws(AMQPError) {
        let state = try live(operation)
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = timeval(seconds: timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            route(envelope)
            amqp_destroy_envelope(&envelope)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            var frame = amqp_frame_t()
            let status = amqp_simple_wait_frame(state, &frame)
            guard status == AMQP_STATUS_OK.rawValue else { throw lost(status, operation) }
            try handle(frame, state: state, operation: operation)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw lost(reply.library_error, operation)
        default:
            throw lost(AMQP_STATUS_UNEXPECTED_STATE.rawValue, operation)
        }
    }

    private func route(_ envelope: amqp_envelope_t) {
        let tag = AMQPCValues.string(envelope.consumer_tag)
        // A delivery for a consumer that is gone (its channel closed) is dropped: the broker requeues it.
        guard let consumer = consumers[tag], consumer.channel == envelope.channel else { return }
        consumers[tag]?.deliveries.append(
            Buffered(
                message: AMQPCValues.message(envelope.message), exchange: AMQPCValues.string(envelope.exchange),
                routingKey: AMQPCValues.string(envelope.routing_key), deliveryTag: envelope.delivery_tag,
                redelivered: envelope.redelivered != 0))
    }

    private func handle(_ frame: amqp_frame_t, state: amqp_connection_state_t, operation: String) throws(AMQPError) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }  // a stray header or body frame
        let method = frame.payload.method
        let number = frame.channel
        switch method.id {
        case eventide_amqp_basic_ack_method:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(channel: number, tag: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case eventide_amqp_basic_nack_method:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(channel: number, tag: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        case eventide_amqp_basic_return_method:
            // An unroutable mandatory publish comes back as basic.return + content: read and drop the content.
            var message = amqp_message_t()
            let reply = amqp_read_message(state, number, &message, 0)
            guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw lost(reply.library_error, operation) }
            amqp_destroy_message(&message)
        case eventide_amqp_basic_cancel_method:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            consumers[AMQPCValues.string(cancel.consumer_tag)]?.cancelledByBroker = true
        case eventide_amqp_channel_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            channelClosedByBroker(number, close, operation: operation)
        case eventide_amqp_connection_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw connectionClosedByBroker(close, operation: operation)
        default:
            return
        }
    }

    private func confirm(channel number: UInt16, tag: UInt64, multiple: Bool, nacked: Bool) {
        guard var channel = channels[number] else { return }
        let confirmed = multiple ? channel.unconfirmed.filter { $0 <= tag } : [tag]
        channel.unconfirmed.subtract(confirmed)
        if nacked { channel.nacked.formUnion(confirmed) }
        channels[number] = channel
    }

    // MARK: Status mapping

    /// The C connection, if it is usable.
    private func live(_ operation: String) throws(AMQPError) -> amqp_connection_state_t {
        if let failure { throw failure }
        guard let state else {
            throw .connectionClosed(
                replyCode: UInt16(AMQP_REPLY_SUCCESS), replyText: "closed by the client", operation: operation)
        }
        return state
    }

    /// The C connection, if it and the channel are usable.
    private func usable(_ channel: AMQPChannel, _ operation: String) throws(AMQPError) -> amqp_connection_state_t {
        let state = try live(operation)
        guard let current = channels[channel.number], current.serial == channel.serial else {
            throw .channelClosed(
                channel: channel.number, replyCode: UInt16(AMQP_REPLY_SUCCESS), replyText: "closed by the client",
                operation: operation)
        }
        if let closed = current.closed { throw closed }
        return state
    }

    /// Maps an RPC reply to success or the typed error, updating the channel or connection it closed.
    private func check(_ reply: amqp_rpc_reply_t, channel: AMQPChannel, operation: String) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw lost(reply.library_error, operation)
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == eventide_amqp_channel_close_method:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            throw channelClosedByBroker(channel.number, close, operation: operation)
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == eventide_amqp_connection_close_method:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw connectionClosedByBroker(close, operation: operation)
        default:
            throw lost(AMQP_STATUS_UNEXPECTED_STATE.rawValue, operation)
        }
    }

    /// The broker closed a channel: answer close-ok, remember why, and end its consumers.
    @discardableResult
    private func channelClosedByBroker(_ number: UInt16, _ close: amqp_channel_close_t, operation: String) -> AMQPError
    {
        let error = AMQPError.channelClosed(
            channel: number, replyCode: close.reply_code,
            replyText: AMQPCValues.string(close.reply_text), operation: operation)
        if let state {
            var ok = amqp_channel_close_ok_t()
            _ = amqp_send_method(state, number, eventide_amqp_channel_close_ok_method, &ok)
        }
        channels[number]?.closed = error
        return error
    }

    /// The broker closed the connection: answer close-ok and make every later call throw why.
    private func connectionClosedByBroker(_ close: amqp_connection_close_t, operation: String) -> AMQPError {
        let error = AMQPError.connectionClosed(
            replyCode: close.reply_code, replyText: AMQPCValues.string(close.reply_text),
            operation: operation)
        if let state {
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, eventide_amqp_connection_close_ok_method, &ok)
        }
        fail(error)
        return error
    }

    /// A library error: after one, rabbitmq-c's connection state is undefined, so the connection is dropped.
    private func lost(_ status: Int32, _ operation: String) -> AMQPError {
        let error: AMQPError =
            status == AMQP_STATUS_TIMEOUT.rawValue
            ? .timedOut(operation: operation, seconds: configuration.operationTimeout)
            : .library(operation: operation, status: status, message: Self.errorString(status))
        fail(error)
        return error
    }

    private func fail(_ error: AMQPError) {
        if failure == nil { failure = error }
        handle = nil
        consumers.removeAll()
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = max(0, seconds.rounded(.down))
        self.init(tv_sec: Int(whole), tv_usec: Int(((max(0, seconds) - whole) * 1_000_000).rounded()))
    }
}

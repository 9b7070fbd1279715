import NIOCore

/// Frames outgoing requests with a request header (API key and version, a fresh correlation id, the client
/// id) and completes each request's promise with the response whose correlation id matches. When the
/// connection closes or fails, every request in flight fails with `KafkaError.connectionClosed`.
final class KafkaRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Outgoing
    typealias OutboundOut = ByteBuffer

    struct Outgoing: Sendable {
        var apiKey: Int16
        var apiVersion: Int16
        var body: ByteBuffer
        var promise: EventLoopPromise<ByteBuffer>
    }

    private let clientId: String
    private let endpoint: String
    private var nextCorrelationId: Int32 = 0
    private var pending: [Int32: EventLoopPromise<ByteBuffer>] = [:]

    init(clientId: String, endpoint: String) {
        self.clientId = clientId
        self.endpoint = endpoint
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let correlationId = nextCorrelationId
        nextCorrelationId = nextCorrelationId == .max ? 0 : nextCorrelationId + 1
        var frame = context.channel.allocator.buffer(capacity: 14 + clientId.utf8.count + request.body.readableBytes)
        frame.writeInteger(Int32(0))  // length, set below
        frame.writeInteger(request.apiKey)
        frame.writeInteger(request.apiVersion)
        frame.writeInteger(correlationId)
        frame.writeKafkaNullableString(clientId)
        frame.writeImmutableBuffer(request.body)
        frame.setInteger(Int32(frame.readableBytes - 4), at: 0)
        pending[correlationId] = request.promise
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard let correlationId = frame.readInteger(as: Int32.self) else { return }
        // An unknown id answers a request that already timed out; it is dropped.
        pending.removeValue(forKey: correlationId)?.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KafkaError.connectionClosed(endpoint: endpoint))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? KafkaError ?? KafkaError.connectionClosed(endpoint: endpoint))
        context.close(promise: nil)
    }

    private func failAll(_ error: KafkaError) {
        let promises = pending.values
        pending.removeAll()
        for promise in promises { promise.fail(error) }
    }
}

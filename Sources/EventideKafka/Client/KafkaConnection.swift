import NIOCore
import NIOPosix

/// One TCP connection to a broker. Requests are pipelined: several may be in flight, each matched to its
/// response by correlation id. A request without an answer within its timeout closes the connection (the
/// stream can no longer be trusted); the client opens a new one.
final class KafkaConnection: Sendable {
    let channel: any Channel
    let endpoint: String

    private init(channel: any Channel, endpoint: String) {
        self.channel = channel
        self.endpoint = endpoint
    }

    var isActive: Bool { channel.isActive }

    static func connect(host: String, port: Int, clientId: String, connectTimeout: TimeAmount = .seconds(2),
                        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> EventLoopFuture<KafkaConnection> {
        let endpoint = "\(host):\(port)"
        return ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(KafkaRequestHandler(clientId: clientId, endpoint: endpoint))
                }
            }
            .connect(host: host, port: port)
            .map { KafkaConnection(channel: $0, endpoint: endpoint) }
            .flatMapErrorThrowing { error in
                throw KafkaError.unreachable(endpoint: endpoint, reason: "\(error)")
            }
    }

    /// Sends `request` and waits for its response, at most `timeout`.
    func send<Request: KafkaRequest>(_ request: Request, timeout: Duration = .seconds(30)) async throws(KafkaError) -> Request.Response {
        var body = channel.allocator.buffer(capacity: 64)
        request.encode(into: &body)
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let endpoint = endpoint
        let timer = eventLoop.scheduleTask(in: .milliseconds(milliseconds)) { [channel] in
            promise.fail(KafkaError.timedOut(api: Request.name, endpoint: endpoint, milliseconds: milliseconds))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        channel.writeAndFlush(KafkaRequestHandler.Outgoing(apiKey: Request.apiKey, apiVersion: Request.apiVersion,
                                                           body: body, promise: promise)).whenFailure { error in
            promise.fail(error as? KafkaError ?? KafkaError.connectionClosed(endpoint: endpoint))
        }
        let response: ByteBuffer
        do {
            response = try await promise.futureResult.get()
        } catch let error as KafkaError {
            throw error
        } catch {
            throw KafkaError.connectionClosed(endpoint: endpoint)
        }
        var reader = KafkaReader(response, api: Request.name)
        return try Request.decode(&reader)
    }

    func close() {
        channel.close(promise: nil)
    }
}

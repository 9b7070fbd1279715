import Eventide
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

    /// Opens a connection and checks that a Kafka broker answers on it (ApiVersions, as Kafka's own clients
    /// begin), both within `connectTimeout`: a server speaking another protocol fails with `KafkaError.notKafka`
    /// at once, instead of on the first real request.
    static func connect(
        host: String, port: Int, clientId: String, connectTimeout: TimeAmount = .seconds(2),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) -> EventLoopFuture<KafkaConnection> {
        let endpoint = "\(host):\(port)"
        if let problem = NetworkPort.problem(port) {
            return group.next().makeFailedFuture(
                KafkaError.invalidArgument("the broker address \(endpoint): \(problem)"))
        }
        return ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(endpoint: endpoint)))
                    try channel.pipeline.syncOperations.addHandler(
                        KafkaRequestHandler(clientId: clientId, endpoint: endpoint))
                }
            }
            .connect(host: host, port: port)
            .map { KafkaConnection(channel: $0, endpoint: endpoint) }
            .flatMapErrorThrowing { error in
                throw KafkaError.unreachable(endpoint: endpoint, reason: "\(error)")
            }
            .flatMap { $0.handshake(timeout: connectTimeout) }
    }

    /// Sends ApiVersions and checks the answer decodes; closes the connection when it does not.
    private func handshake(timeout: TimeAmount) -> EventLoopFuture<KafkaConnection> {
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let endpoint = endpoint
        let milliseconds = timeout.nanoseconds / 1_000_000
        let timer = eventLoop.scheduleTask(in: timeout) {
            promise.fail(
                KafkaError.timedOut(api: ApiVersionsRequest.name, endpoint: endpoint, milliseconds: milliseconds))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        channel.writeAndFlush(
            KafkaRequestHandler.Outgoing(
                apiKey: ApiVersionsRequest.apiKey, apiVersion: ApiVersionsRequest.apiVersion,
                body: channel.allocator.buffer(capacity: 0), promise: promise)
        )
        .whenFailure { error in promise.fail(error as? KafkaError ?? KafkaError.connectionClosed(endpoint: endpoint)) }
        return promise.futureResult
            .flatMapThrowing { response in
                var reader = KafkaReader(response, api: ApiVersionsRequest.name)
                do {
                    _ = try ApiVersionsRequest.decode(&reader)
                } catch {
                    throw KafkaError.notKafka(
                        endpoint: endpoint,
                        answer: "an answer to ApiVersions that does not decode ("
                            + "\(error)): \(KafkaError.preview(response))")
                }
                return self
            }
            .flatMapErrorThrowing { error in
                self.close()
                throw error
            }
    }

    /// Sends `request` and waits for its response, at most `timeout`.
    func send<Request: KafkaRequest>(_ request: Request, timeout: Duration = .seconds(30)) async throws(KafkaError)
        -> Request.Response
    {
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
        channel.writeAndFlush(
            KafkaRequestHandler.Outgoing(
                apiKey: Request.apiKey, apiVersion: Request.apiVersion,
                body: body, promise: promise)
        ).whenFailure { error in
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

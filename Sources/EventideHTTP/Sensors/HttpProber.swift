import AsyncHTTPClient
import Eventide
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends `HttpSensor`'s requests with async-http-client (pooled keep-alive connections) and turns every outcome,
/// an error included, into an `HttpProbeResult`.
///
/// Connecting has its own short timeout (`connectTimeout`), apart from the request's: a refused connection fails
/// at once and a silent host after `connectTimeout`, and the sensor retries at its next poke as it does a 5xx. The
/// client does not retry connecting itself (async-http-client's default would retry until the request timeout, so
/// a refused connection would cost the whole request timeout).
public struct HttpProber: Sendable {
    public let client: HTTPClient
    /// The longest wait for a connection (TCP connect).
    public let connectTimeout: Duration
    /// The largest body read; a longer answer is cut.
    public let bodyLimit: Int

    /// A prober on the process-wide client for `connectTimeout` (one pooled client per connect timeout, living as
    /// long as the process, like `HTTPClient.shared`).
    public init(connectTimeout: Duration = .seconds(1), bodyLimit: Int = 1 << 20) {
        self.init(
            client: Self.client(connectTimeout: connectTimeout), connectTimeout: connectTimeout,
            bodyLimit: bodyLimit)
    }

    /// A prober on a client you own (its configuration decides connecting; `connectTimeout` is informative).
    public init(client: HTTPClient, connectTimeout: Duration, bodyLimit: Int = 1 << 20) {
        self.client = client
        self.connectTimeout = connectTimeout
        self.bodyLimit = bodyLimit
    }

    public func probe(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil,
        timeout: Duration
    ) async -> HttpProbeResult {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(timeout))
            let bytes = try await response.body.collect(upTo: bodyLimit)
            return .response(HttpSensorResponse(status: Int(response.status.code), body: String(buffer: bytes)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .timedOut(after: timeout)
        } catch {
            return .connectionFailed(reason: "\(error)")
        }
    }

    private static let clients = Mutex<[Duration: HTTPClient]>([:])

    /// The shared client whose connections time out after `connectTimeout` and are not retried by the client.
    static func client(connectTimeout: Duration) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[connectTimeout] { return client }
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: timeAmount(connectTimeout))
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[connectTimeout] = client
            return client
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(max(duration, .milliseconds(1)).inSeconds * 1e9))
    }
}

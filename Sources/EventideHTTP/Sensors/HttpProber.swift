import AsyncHTTPClient
import Eventide
import Foundation
import NIOCore
import NIOHTTP1

/// Sends `HttpSensor`'s requests with async-http-client (its shared client: pooled keep-alive connections) and
/// turns every outcome, an error included, into an `HttpProbeResult`.
public struct HttpProber: Sendable {
    public let client: HTTPClient
    /// The largest body read; a longer answer is cut.
    public let bodyLimit: Int

    public init(client: HTTPClient = .shared, bodyLimit: Int = 1 << 20) {
        self.client = client
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
        let nanoseconds = Int64(max(timeout, .milliseconds(1)).inSeconds * 1e9)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
            let bytes = try await response.body.collect(upTo: bodyLimit)
            return .response(HttpSensorResponse(status: Int(response.status.code), body: String(buffer: bytes)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .timedOut(after: timeout)
        } catch {
            return .connectionFailed(reason: "\(error)")
        }
    }
}

import AsyncHTTPClient
import Eventide
import Foundation
import NIOCore
import NIOHTTP1

/// One real HTTP request an example sends and what the server answered, for the narrative and the outcome.
public struct HTTPExchange: Sendable, Codable, Hashable {
    public let method: String
    public let path: String
    public let status: Int
    public let body: String

    /// The answer's body as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONValue.parse(body) }
}

/// Sends real requests to a server the example started (async-http-client, keep-alive), and records each
/// exchange.
public actor HTTPExampleClient {
    public let baseURL: String
    private let client: HTTPClient
    public private(set) var exchanges: [HTTPExchange] = []

    public init(baseURL: String) {
        self.baseURL = baseURL
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Sends `body` (UTF-8) with `headers` and returns the exchange; the body is read up to `limit` bytes.
    @discardableResult
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil,
        limit: Int = 1 << 20
    ) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: limit)
        let exchange = HTTPExchange(
            method: method.rawValue, path: path, status: Int(response.status.code),
            body: String(buffer: bytes))
        exchanges.append(exchange)
        return exchange
    }

    /// Closes the client's connections; call once, when the example is done.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}

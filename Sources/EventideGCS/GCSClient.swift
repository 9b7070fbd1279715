import AsyncHTTPClient
import Eventide
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A Google Cloud Storage client over async-http-client, on the JSON API (`/storage/v1/b/{bucket}/o/{object}`):
/// buckets, uploads, object metadata and listings. It speaks to GCS itself with an OAuth access token, or to an
/// emulator such as fake-gcs-server (`scripts/servers up gcs`, http://127.0.0.1:4443) without one.
///
/// A request that fails for a transient reason (connection refused or reset, HTTP 5xx or 429) is sent again
/// after a jittered, growing delay until `retry.deadline` (`GCSError.isTransient`).
///
/// ```swift
/// let gcs = try GCSClient(endpoint: URL(string: "http://127.0.0.1:4443")!)
/// try await gcs.createBucket("landing")
/// try await gcs.upload(bucket: "landing", name: "exports/orders.csv", body: Data("id\n1\n".utf8))
/// let object = try await gcs.object(bucket: "landing", key: "exports/orders.csv")   // nil when absent
/// ```
public struct GCSClient: Sendable {
    public let endpoint: URL
    /// Sent as `Authorization: Bearer …` when given (GCS); emulators need none.
    let accessToken: String?
    let http: HTTPClient
    public let retry: ReconnectBackoff
    let clock: any Clock<Duration>
    let contact = FirstContact()

    /// Like `HTTPClient.shared`, but a refused connection is reported at once (the caller's retry policy decides).
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    public init(
        endpoint: URL, accessToken: String? = nil, httpClient: HTTPClient = GCSClient.sharedHTTPClient,
        retry: ReconnectBackoff = ReconnectBackoff(), clock: any Clock<Duration> = ContinuousClock()
    ) throws(GCSError) {
        guard ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host?.isEmpty == false else {
            throw .invalidEndpoint(endpoint: endpoint.absoluteString, reason: "not an http(s) URL with a host")
        }
        if let problem = NetworkPort.problem(endpoint.port) {
            throw .invalidEndpoint(endpoint: endpoint.absoluteString, reason: problem)
        }
        self.endpoint = endpoint
        self.accessToken = accessToken
        http = httpClient
        self.retry = retry
        self.clock = clock
    }

    // MARK: Buckets and objects

    /// Creates a bucket; one that exists already is refused with HTTP 409.
    public func createBucket(_ bucket: String, project: String = "eventide") async throws {
        let body = try JSONEncoder().encode(["name": bucket])
        _ = try await send(
            "buckets.insert", method: .POST, path: "/storage/v1/b", query: ["project": project], body: body,
            contentType: "application/json")
    }

    /// Uploads an object in one request (`uploadType=media`); returns its metadata.
    @discardableResult
    public func upload(
        bucket: String, name: String, body: Data, contentType: String = "application/octet-stream"
    ) async throws -> GCSObject {
        let data = try await send(
            "objects.insert", method: .POST, path: "/upload/storage/v1/b/\(Self.encoded(bucket))/o",
            query: ["uploadType": "media", "name": name], body: body, contentType: contentType)
        return try Self.decode(GCSObject.self, data, operation: "objects.insert")
    }

    /// The object's metadata, or `nil` when there is no such object (HTTP 404).
    public func metadata(bucket: String, name: String) async throws -> GCSObject? {
        do {
            let data = try await send(
                "objects.get", method: .GET, path: "/storage/v1/b/\(Self.encoded(bucket))/o/\(Self.encoded(name))")
            return try Self.decode(GCSObject.self, data, operation: "objects.get")
        } catch GCSError.service(let status, _) where status == 404 {
            return nil
        }
    }

    /// Every object whose name starts with `prefix`, following `nextPageToken`.
    public func list(bucket: String, prefix: String) async throws -> [GCSObject] {
        struct Page: Decodable {
            var items: [GCSObject]?
            var nextPageToken: String?
        }
        var objects: [GCSObject] = []
        var token: String?
        repeat {
            var query = ["prefix": prefix]
            if let token { query["pageToken"] = token }
            let data = try await send(
                "objects.list", method: .GET, path: "/storage/v1/b/\(Self.encoded(bucket))/o", query: query)
            let page = try Self.decode(Page.self, data, operation: "objects.list")
            objects += page.items ?? []
            token = page.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return objects
    }

    // MARK: Transport

    /// A path segment or query value: everything but RFC 3986's unreserved characters percent-encoded (an object
    /// name's `/` too, as the JSON API wants).
    static func encoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw GCSError.malformedResponse(operation: operation, reason: "\(error)")
        }
    }

    func send(
        _ operation: String, method: HTTPMethod, path: String, query: [String: String] = [:], body: Data = Data(),
        contentType: String? = nil
    ) async throws -> Data {
        try await retry.run(clock: clock, contact: contact, isTransient: { ($0 as? GCSError)?.isTransient ?? false }) {
            try await attempt(operation, method: method, path: path, query: query, body: body, contentType: contentType)
        }
    }

    func attempt(
        _ operation: String, method: HTTPMethod, path: String, query: [String: String], body: Data,
        contentType: String?
    ) async throws -> Data {
        var text = endpoint.absoluteString
        if text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty {
            text +=
                "?"
                + query.sorted { $0.key < $1.key }.map { "\(Self.encoded($0.key))=\(Self.encoded($0.value))" }
                .joined(separator: "&")
        }
        var request = HTTPClientRequest(url: text)
        request.method = method
        if let accessToken { request.headers.add(name: "Authorization", value: "Bearer \(accessToken)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if method == .POST || method == .PUT { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(30))
            contact.record()
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw GCSError.unreachable(endpoint: endpoint.absoluteString, reason: "\(error)")
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            struct Failure: Decodable {
                struct Detail: Decodable { var message: String? }
                var error: Detail?
            }
            let message =
                (try? JSONDecoder().decode(Failure.self, from: data))?.error?.message
                ?? String(decoding: data, as: UTF8.self)
            throw GCSError.service(status: Int(response.status.code), message: message)
        }
        return data
    }
}

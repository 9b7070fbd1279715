import AsyncHTTPClient
import Eventide
import EventideAWS
import Foundation
import NIOCore
import NIOHTTP1

/// An S3 client over async-http-client, signed with Signature V4: buckets, objects, and the bucket
/// notification configuration that sends object events to an SQS queue. Path-style addressing
/// (`endpoint/bucket/key`), which S3-compatible servers such as moto and MinIO accept.
///
/// A request that fails for a transient reason (connection refused or reset, HTTP 5xx, `SlowDown`) is sent again
/// after a jittered, growing delay until `retry.deadline` (`S3Error.isTransient`).
public struct S3Client: Sendable {
    /// The endpoint, the signer, the HTTP client and the retry policy.
    public let service: AWSServiceEndpoint
    public var endpoint: URL { service.endpoint }
    /// How transient failures are retried; `.none` fails at the first. Until the server has answered once, the
    /// retries stop at `retry.firstContactDeadline`: a wrong endpoint is reported within seconds.
    public var retry: ReconnectBackoff { service.retry }
    var signer: SigV4Signer { service.signer }

    public init(
        endpoint: URL, region: String = "us-east-1", credentials: AWSCredentials,
        httpClient: HTTPClient = AWSHTTPClient.shared, retry: ReconnectBackoff = ReconnectBackoff(),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        service = AWSServiceEndpoint(
            endpoint: endpoint, service: "s3", region: region, credentials: credentials, httpClient: httpClient,
            retry: retry, clock: clock)
    }

    // MARK: Buckets and objects

    public func createBucket(_ bucket: String) async throws {
        let region = signer.region
        let body =
            region == "us-east-1"
            ? ""
            : """
            <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
            <LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>
            """
        _ = try await send("CreateBucket", method: .PUT, path: "/\(bucket)", body: Data(body.utf8))
    }

    /// Stores an object; returns its ETag (the MD5 of the body for a single-part put), without quotes.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: Data,
        contentType: String = "application/octet-stream"
    ) async throws -> String {
        let (_, headers) = try await send(
            "PutObject", method: .PUT, path: Self.objectPath(bucket, key), body: body,
            headers: ["Content-Type": contentType])
        guard let etag = headers.first(name: "ETag") else {
            throw S3Error.malformedResponse(operation: "PutObject", reason: "no ETag header")
        }
        return etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    public func getObject(bucket: String, key: String) async throws -> Data {
        try await send("GetObject", method: .GET, path: Self.objectPath(bucket, key)).body
    }

    /// The object and its current ETag (without quotes).
    public func getObjectWithETag(bucket: String, key: String) async throws -> (body: Data, etag: String) {
        let (body, headers) = try await send("GetObject", method: .GET, path: Self.objectPath(bucket, key))
        guard let etag = headers.first(name: "ETag") else {
            throw S3Error.malformedResponse(operation: "GetObject", reason: "no ETag header")
        }
        return (body, etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    // MARK: Notifications

    /// Sends the bucket's object events to an SQS queue (replacing the bucket's notification configuration).
    /// S3 first publishes an `s3:TestEvent` to the queue; `S3EventNotification` recognises it.
    public func putBucketNotification(
        bucket: String, queueArn: String,
        events: [String] = ["s3:ObjectCreated:*"],
        prefix: String? = nil, suffix: String? = nil
    ) async throws {
        var rules = ""
        if let prefix {
            rules += "<FilterRule><Name>prefix</Name><Value>\(Self.xmlEscaped(prefix))</Value></FilterRule>"
        }
        if let suffix {
            rules += "<FilterRule><Name>suffix</Name><Value>\(Self.xmlEscaped(suffix))</Value></FilterRule>"
        }
        let filter = rules.isEmpty ? "" : "<Filter><S3Key>\(rules)</S3Key></Filter>"
        let body = """
            <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><QueueConfiguration>\
            <Queue>\(Self.xmlEscaped(queueArn))</Queue>\
            \(events.map { "<Event>\(Self.xmlEscaped($0))</Event>" }.joined())\(filter)\
            </QueueConfiguration></NotificationConfiguration>
            """
        _ = try await send(
            "PutBucketNotificationConfiguration", method: .PUT, path: "/\(bucket)",
            query: "notification=", body: Data(body.utf8))
    }

    // MARK: Transport

    static func objectPath(_ bucket: String, _ key: String) -> String {
        "/\(bucket)/" + SigV4Signer.encode(key, keepSlash: true)
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The text of the first `<tag>` element in an S3 XML document (error documents are flat).
    static func element(_ tag: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(tag)>"),
            let close = xml.range(of: "</\(tag)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }

    /// Sends one S3 operation, retrying transient failures as `retry` says.
    func send(
        _ operation: String, method: HTTPMethod, path: String, query: String? = nil, body: Data = Data(),
        headers extra: [String: String] = [:]
    ) async throws -> (body: Data, headers: HTTPHeaders) {
        try await service.retrying(isTransient: { ($0 as? S3Error)?.isTransient ?? false }) {
            try await attempt(operation, method: method, path: path, query: query, body: body, headers: extra)
        }
    }

    func attempt(
        _ operation: String, method: HTTPMethod, path: String, query: String?, body: Data,
        headers extra: [String: String]
    ) async throws -> (body: Data, headers: HTTPHeaders) {
        var text = endpoint.absoluteString
        if text.hasSuffix("/") { text.removeLast() }
        text += path + (query.map { "?\($0)" } ?? "")
        guard let url = URL(string: text) else {
            throw S3Error.malformedResponse(operation: operation, reason: "bad URL \(text)")
        }
        let answer: AWSServiceEndpoint.Answer
        do {
            answer = try await service.exchange(method: method, url: url, headers: extra, body: body, limit: 64 << 20)
        } catch AWSServiceEndpoint.Failure.invalidEndpoint(let reason) {
            throw S3Error.invalidEndpoint(endpoint: endpoint.absoluteString, reason: reason)
        } catch AWSServiceEndpoint.Failure.unreachable(let reason) {
            throw S3Error.unreachable(endpoint: endpoint.absoluteString, reason: reason)
        }
        let data = Data(answer.body.readableBytesView)
        guard answer.succeeded else {
            let xml = String(decoding: data, as: UTF8.self)
            throw S3Error.service(
                code: Self.element("Code", in: xml) ?? "HTTP\(answer.status)",
                message: Self.element("Message", in: xml) ?? xml, status: answer.status)
        }
        return (data, answer.headers)
    }
}

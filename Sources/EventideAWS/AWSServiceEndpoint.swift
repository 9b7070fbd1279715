import AsyncHTTPClient
import Eventide
import Foundation
import NIOCore
import NIOHTTP1

/// One AWS-protocol service as a client reaches it: its endpoint, Signature V4 signing for the service, the HTTP
/// client, and how transient failures are retried. The S3 and SQS clients build on it: each builds its requests and
/// reads its answers, and this sends them.
///
/// Until the server has answered once, the retries stop at `retry.firstContactDeadline`, so a wrong endpoint is
/// reported within seconds; after that, `retry.deadline` holds.
///
/// ```swift
/// let sqs = AWSServiceEndpoint(endpoint: url, service: "sqs", credentials: credentials)
/// let answer = try await sqs.retrying(isTransient: { ($0 as? SQSError)?.isTransient ?? false }) {
///     try await sqs.exchange(method: .POST, url: url, headers: headers, body: body, limit: 1 << 20)  // one attempt
/// }
/// ```
public struct AWSServiceEndpoint: Sendable {
    public let endpoint: URL
    public let signer: SigV4Signer
    public let http: HTTPClient
    /// How transient failures are retried; `.none` fails at the first.
    public let retry: ReconnectBackoff
    public let clock: any Clock<Duration>
    let contact = FirstContact()

    public init(
        endpoint: URL, service: String, region: String = "us-east-1", credentials: AWSCredentials,
        httpClient: HTTPClient = AWSHTTPClient.shared, retry: ReconnectBackoff = ReconnectBackoff(),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.endpoint = endpoint
        signer = SigV4Signer(credentials: credentials, region: region, service: service)
        http = httpClient
        self.retry = retry
        self.clock = clock
    }

    /// The same service with another retry policy (and its own first contact).
    public func retrying(_ retry: ReconnectBackoff) -> AWSServiceEndpoint {
        AWSServiceEndpoint(
            endpoint: endpoint, service: signer.service, region: signer.region, credentials: signer.credentials,
            httpClient: http, retry: retry, clock: clock)
    }

    /// Runs `attempt` until it succeeds, fails for good (`isTransient` false) or the retry policy gives up.
    public func retrying<T>(isTransient: (any Error) -> Bool, _ attempt: () async throws -> T) async throws -> T {
        try await retry.run(clock: clock, contact: contact, isTransient: isTransient, attempt)
    }

    /// What the server answered to one request, whatever its status.
    public struct Answer: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: ByteBuffer

        public var succeeded: Bool { (200..<300).contains(status) }
    }

    /// Why a request got no answer.
    public enum Failure: Error, Sendable {
        /// The endpoint's port is not a TCP port (`NetworkPort.problem`), so nothing was sent.
        case invalidEndpoint(reason: String)
        /// The connection failed, or the answer did not arrive whole.
        case unreachable(reason: String)
    }

    /// Sends one signed request to `url` (the endpoint, or a path and query below it) and returns the answer, up to
    /// `limit` bytes of it. One attempt: retrying is the caller's (`retrying(isTransient:_:)`). Throws `Failure`
    /// when there is no answer, and the signer's `AWSError` when the request cannot be signed.
    public func exchange(
        method: HTTPMethod, url: URL, headers: [String: String], body: Data, timeout: TimeAmount = .seconds(30),
        limit: Int
    ) async throws -> Answer {
        if let problem = NetworkPort.problem(endpoint.port) { throw Failure.invalidEndpoint(reason: problem) }
        let signed = try signer.sign(method: method.rawValue, url: url, headers: headers, body: body)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in signed { request.headers.replaceOrAdd(name: name, value: value) }
        if !body.isEmpty || method == .PUT { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await http.execute(request, timeout: timeout)
            contact.record()
            let bytes = try await response.body.collect(upTo: limit)
            return Answer(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch {
            throw Failure.unreachable(reason: "\(error)")
        }
    }
}

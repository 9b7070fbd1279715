import AsyncHTTPClient
import Eventide
import EventideAWS
import Foundation
import NIOCore

/// An SQS client over async-http-client, speaking SQS's JSON 1.0 protocol with Signature V4.
///
/// Covers what the catalog's watchers need: queues with attributes (redrive policies), send and batch send
/// with message attributes, receive with long polling and a visibility timeout, delete and batch delete,
/// change visibility. Errors are typed (`SQSError`).
///
/// A request that fails for a transient reason (connection refused or reset, HTTP 5xx, throttling) is sent
/// again after a jittered, growing delay until `retry.deadline` (`SQSError.isTransient`); a watcher keeps
/// running through a short outage of the server, and hears of a long one as `SQSError.unreachable`.
public struct SQSClient: Sendable {
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
        self.init(
            service: AWSServiceEndpoint(
                endpoint: endpoint, service: "sqs", region: region, credentials: credentials,
                httpClient: httpClient, retry: retry, clock: clock))
    }

    init(service: AWSServiceEndpoint) { self.service = service }

    /// This client with another retry policy.
    public func retrying(_ retry: ReconnectBackoff) -> SQSClient { SQSClient(service: service.retrying(retry)) }

    // MARK: Queues

    /// Creates the queue (or returns the existing one with the same attributes) and returns its URL.
    @discardableResult
    public func createQueue(_ name: String, attributes: [String: String] = [:]) async throws -> String {
        var body: [String: JSONValue] = ["QueueName": .string(name)]
        if !attributes.isEmpty { body["Attributes"] = .object(attributes.mapValues(JSONValue.string)) }
        return try await call("CreateQueue", body)["QueueUrl"]?.stringValue
            ?? { throw SQSError.malformedResponse(operation: "CreateQueue", reason: "no QueueUrl") }()
    }

    public func queueURL(_ name: String) async throws -> String {
        try await call("GetQueueUrl", ["QueueName": .string(name)])["QueueUrl"]?.stringValue
            ?? { throw SQSError.malformedResponse(operation: "GetQueueUrl", reason: "no QueueUrl") }()
    }

    public func attributes(_ queueURL: String, names: [String] = ["All"]) async throws -> [String: String] {
        let result = try await call(
            "GetQueueAttributes",
            [
                "QueueUrl": .string(queueURL),
                "AttributeNames": .array(names.map(JSONValue.string)),
            ])
        return (result["Attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    public func setAttributes(_ queueURL: String, _ attributes: [String: String]) async throws {
        _ = try await call(
            "SetQueueAttributes",
            [
                "QueueUrl": .string(queueURL),
                "Attributes": .object(attributes.mapValues(JSONValue.string)),
            ])
    }

    /// A redrive policy value: after `maxReceiveCount` receives, SQS moves the message to `deadLetterQueueArn`.
    public static func redrivePolicy(deadLetterQueueArn: String, maxReceiveCount: Int) -> String {
        JSONValue.object([
            "deadLetterTargetArn": .string(deadLetterQueueArn),
            "maxReceiveCount": .number(Double(maxReceiveCount)),
        ]).jsonText
    }

    // MARK: Messages

    /// Sends a message; returns its message id.
    @discardableResult
    public func send(_ queueURL: String, body: String, attributes: [String: String] = [:]) async throws -> String {
        var request: [String: JSONValue] = ["QueueUrl": .string(queueURL), "MessageBody": .string(body)]
        if !attributes.isEmpty { request["MessageAttributes"] = Self.messageAttributes(attributes) }
        return try await call("SendMessage", request)["MessageId"]?.stringValue
            ?? { throw SQSError.malformedResponse(operation: "SendMessage", reason: "no MessageId") }()
    }

    /// Sends up to 10 messages in one request; returns the ids of the entries SQS accepted.
    public func sendBatch(_ queueURL: String, _ entries: [(id: String, body: String)]) async throws -> [String] {
        let result = try await call(
            "SendMessageBatch",
            [
                "QueueUrl": .string(queueURL),
                "Entries": .array(entries.map { ["Id": .string($0.id), "MessageBody": .string($0.body)] }),
            ])
        return result["Successful"]?.arrayValue?.compactMap { $0["Id"]?.stringValue } ?? []
    }

    /// Receives up to `maxMessages` (1–10), waiting up to `waitSeconds` for one to arrive (long polling).
    /// Received messages are invisible to other receivers for `visibilityTimeout` seconds (queue default when nil).
    public func receive(
        _ queueURL: String, maxMessages: Int = 10, waitSeconds: Int = 0,
        visibilityTimeout: Int? = nil
    ) async throws -> [SQSMessage] {
        var request: [String: JSONValue] = [
            "QueueUrl": .string(queueURL), "MaxNumberOfMessages": .number(Double(min(max(maxMessages, 1), 10))),
            "WaitTimeSeconds": .number(Double(waitSeconds)), "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
            "AttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
        ]
        if let visibilityTimeout { request["VisibilityTimeout"] = .number(Double(visibilityTimeout)) }
        let result = try await call("ReceiveMessage", request, timeout: .seconds(Int64(waitSeconds) + 30))
        return try (result["Messages"]?.arrayValue ?? []).map { message in
            guard let id = message["MessageId"]?.stringValue, let handle = message["ReceiptHandle"]?.stringValue else {
                throw SQSError.malformedResponse(
                    operation: "ReceiveMessage", reason: "a message without id or receipt handle")
            }
            return SQSMessage(
                messageId: id, receiptHandle: handle, body: message["Body"]?.stringValue ?? "",
                messageAttributes: (message["MessageAttributes"]?.objectValue ?? [:]).compactMapValues {
                    $0["StringValue"]?.stringValue
                },
                receiveCount: Int(message["Attributes"]?["ApproximateReceiveCount"]?.stringValue ?? "1") ?? 1,
                sentAt: (message["Attributes"]?["SentTimestamp"]?.stringValue).flatMap(Double.init)
                    .map { Date(timeIntervalSince1970: $0 / 1000) })
        }
    }

    public func delete(_ queueURL: String, receiptHandle: String) async throws {
        _ = try await call("DeleteMessage", ["QueueUrl": .string(queueURL), "ReceiptHandle": .string(receiptHandle)])
    }

    /// Deletes up to 10 messages; returns the ids (the given entry ids) SQS deleted.
    public func deleteBatch(_ queueURL: String, _ entries: [(id: String, receiptHandle: String)]) async throws
        -> [String]
    {
        let result = try await call(
            "DeleteMessageBatch",
            [
                "QueueUrl": .string(queueURL),
                "Entries": .array(entries.map { ["Id": .string($0.id), "ReceiptHandle": .string($0.receiptHandle)] }),
            ])
        return result["Successful"]?.arrayValue?.compactMap { $0["Id"]?.stringValue } ?? []
    }

    /// Makes a received message visible again after `seconds` (0: now — a negative acknowledgement).
    public func changeVisibility(_ queueURL: String, receiptHandle: String, seconds: Int) async throws {
        _ = try await call(
            "ChangeMessageVisibility",
            [
                "QueueUrl": .string(queueURL),
                "ReceiptHandle": .string(receiptHandle),
                "VisibilityTimeout": .number(Double(seconds)),
            ])
    }

    // MARK: Transport

    static func messageAttributes(_ attributes: [String: String]) -> JSONValue {
        .object(attributes.mapValues { ["DataType": "String", "StringValue": .string($0)] })
    }

    /// Sends one SQS operation, retrying transient failures as `retry` says.
    func call(_ operation: String, _ body: [String: JSONValue], timeout: TimeAmount = .seconds(30)) async throws
        -> JSONValue
    {
        try await service.retrying(isTransient: { ($0 as? SQSError)?.isTransient ?? false }) {
            try await attempt(operation, body, timeout: timeout)
        }
    }

    func attempt(_ operation: String, _ body: [String: JSONValue], timeout: TimeAmount) async throws -> JSONValue {
        let data = Data(JSONValue.object(body).jsonText.utf8)
        let headers = [
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.\(operation)",
        ]
        let answer: AWSServiceEndpoint.Answer
        do {
            answer = try await service.exchange(
                method: .POST, url: endpoint, headers: headers, body: data, timeout: timeout, limit: 16 << 20)
        } catch AWSServiceEndpoint.Failure.invalidEndpoint(let reason) {
            throw SQSError.invalidEndpoint(endpoint: endpoint.absoluteString, reason: reason)
        } catch AWSServiceEndpoint.Failure.unreachable(let reason) {
            throw SQSError.unreachable(endpoint: endpoint.absoluteString, reason: reason)
        }
        let text = String(buffer: answer.body)
        let status = answer.status
        let json: JSONValue
        do { json = text.isEmpty ? JSONValue.object([:]) : try JSONValue.parse(text) } catch {
            guard answer.succeeded else {  // a proxy's or a load balancer's error page
                throw SQSError.service(code: "HTTP\(status)", message: String(text.prefix(200)), status: status)
            }
            throw SQSError.malformedResponse(operation: operation, reason: "the answer is not JSON: \(text.prefix(80))")
        }
        guard answer.succeeded else {
            let type = json["__type"]?.stringValue ?? json["code"]?.stringValue ?? "HTTP\(status)"
            throw SQSError.service(
                code: String(type.split(separator: "#").last ?? Substring(type)),
                message: json["message"]?.stringValue ?? json["Message"]?.stringValue ?? text,
                status: status)
        }
        return json
    }
}

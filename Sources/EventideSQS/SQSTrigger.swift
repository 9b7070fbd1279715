import Eventide
import EventideAWS
import Foundation

/// Fires for every message on an SQS queue (`sqs://host:port/queue`), like Airflow's `MessageQueueTrigger`
/// over SQS, but acknowledging (deleting) a message only after its asset event is committed.
///
/// - payload: `{"body": <the body as JSON, or the string when it is not JSON>, "attributes": {...}, "queue": name}`
/// - messageId: SQS's `MessageId`, stable across redeliveries, so the watcher drops a duplicate delivery
///   (a visibility timeout that ran out before the delete).
/// - deliveryCount: `ApproximateReceiveCount`.
/// - reject: when the queue has a redrive policy, moves the message to its dead-letter queue with the reason.
public struct SQSTrigger: Trigger {
    public let receiver: SQSReceiver

    public init(client: SQSClient, queue: String, waitSeconds: Int = 20, visibilityTimeout: Int? = nil) {
        receiver = SQSReceiver(
            client: client, queue: queue, waitSeconds: waitSeconds,
            visibilityTimeout: visibilityTimeout)
    }

    public var description: String {
        "SQSTrigger(queue: \(receiver.queue), endpoint: \(receiver.client.endpoint.absoluteString))"
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let receiver = receiver
        return AsyncThrowingStream { () async throws -> TriggerEvent? in
            guard let message = try await receiver.next() else { return nil }
            var reject: (@Sendable (String) async throws -> Void)?
            if try await receiver.hasDeadLetterQueue {
                reject = { @Sendable reason in try await receiver.deadLetter(message, reason: reason) }
            }
            return TriggerEvent(
                payload: Self.payload(message, queue: receiver.queue), messageId: message.messageId,
                observedAt: Date(), deliveryCount: message.receiveCount,
                acknowledge: { try await receiver.delete(message) }, reject: reject)
        }
    }

    static func payload(_ message: SQSMessage, queue: String) -> JSONValue {
        let body = (try? JSONValue.parse(message.body)) ?? .string(message.body)
        return [
            "body": body, "attributes": .object(message.messageAttributes.mapValues(JSONValue.string)),
            "queue": .string(queue),
        ]
    }
}

extension SQSTrigger {
    /// The factory for `sqs://host:port/queue?wait=<0-20 s>&visibility=<s>&region=<region>`. Credentials come
    /// from the URI's user and password, else from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`. A URI with a
    /// port is reached over plain HTTP (a local server such as moto); without one, over HTTPS.
    public static func factory(
        credentials: AWSCredentials? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "sqs") { uri in
            let (client, queue) = try SQSClient.from(uri, credentials: credentials, environment: environment)
            return SQSTrigger(
                client: client, queue: queue, waitSeconds: try uri.integer("wait", in: 0...20) ?? 20,
                visibilityTimeout: try uri.integer("visibility", in: 0...43_200))
        }
    }
}

extension SQSClient {
    /// A client and queue name for an `sqs://` (or `s3+sqs://`) trigger URI.
    public static func from(
        _ uri: TriggerURI, credentials: AWSCredentials?,
        environment: [String: String]
    ) throws -> (SQSClient, String) {
        let queue = try uri.singlePathSegment("queue")
        guard let host = uri.host else { throw TriggerError.invalidURI(uri.text, reason: "it names no host") }
        let endpoint = uri.port.map { "http://\(host):\($0)" } ?? "https://\(host)"
        let fromURI = uri.user.flatMap { user in
            uri.password.map { AWSCredentials(accessKeyId: user, secretAccessKey: $0) }
        }
        guard let credentials = fromURI ?? credentials ?? AWSCredentials.fromEnvironment(environment) else {
            throw TriggerError.invalidURI(
                uri.text,
                reason:
                    "no AWS credentials: put them in the URI (sqs://KEY:SECRET@host/queue) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        }
        guard let url = URL(string: endpoint) else { throw TriggerError.invalidURI(uri.text, reason: "bad host") }
        return (SQSClient(endpoint: url, region: uri.query["region"] ?? "us-east-1", credentials: credentials), queue)
    }
}

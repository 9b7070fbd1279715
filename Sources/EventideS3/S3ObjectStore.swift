import Eventide
import EventideSQS
import Foundation

/// The `ObjectStore` on S3 (or moto): objects through `S3Client`, notifications to a queue of an `SQSQueueService`
/// on the same account, addressed by the queue's ARN.
public struct S3ObjectStore: ObjectStore {
    public let client: S3Client
    public let queues: SQSQueueService

    public init(client: S3Client, queues: SQSQueueService) {
        self.client = client
        self.queues = queues
    }

    public var description: String { "S3 at \(client.endpoint.absoluteString)" }

    public func createBucket(_ bucket: String) async throws { try await client.createBucket(bucket) }

    public func notify(bucket: String, queue: String, events: [String], prefix: String?, suffix: String?) async throws {
        try await client.putBucketNotification(
            bucket: bucket, queueArn: try await queues.queueArn(queue), events: events,
            prefix: prefix, suffix: suffix)
    }

    @discardableResult
    public func putObject(bucket: String, key: String, body: Data) async throws -> String {
        try await client.putObject(bucket: bucket, key: key, body: body)
    }

    public func getObject(bucket: String, key: String) async throws -> (body: Data, etag: String) {
        try await client.getObjectWithETag(bucket: bucket, key: key)
    }
}

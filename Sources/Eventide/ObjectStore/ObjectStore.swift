import Foundation

/// Where an example's buckets live: a folder on disk that publishes S3-format event notifications to an embedded
/// queue (`EmbeddedObjectStore`, offline, the default), or S3 itself (`S3ObjectStore` in EventideS3, moto with
/// `--sqs`). Both publish the same notification JSON to a `QueueService` queue, which `S3NotificationTrigger` reads.
public protocol ObjectStore: Sendable, CustomStringConvertible {
    func createBucket(_ bucket: String) async throws
    /// Publishes the bucket's `events` on keys with `prefix` and `suffix` to `queue` (replacing earlier rules);
    /// like S3, it first publishes an `s3:TestEvent`.
    func notify(bucket: String, queue: String, events: [String], prefix: String?, suffix: String?) async throws
    /// Stores the object; returns its ETag.
    @discardableResult
    func putObject(bucket: String, key: String, body: Data) async throws -> String
    /// The object as it is now, and its ETag: compare it with an event's to tell whether the object changed since.
    func getObject(bucket: String, key: String) async throws -> (body: Data, etag: String)
}

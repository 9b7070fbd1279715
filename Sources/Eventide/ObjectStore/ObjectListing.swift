import Foundation

/// One object as a listing shows it: its key, size, entity tag and last update.
public struct StoredObject: Sendable, Hashable, Codable {
    public var key: String
    public var size: Int
    /// S3's ETag or GCS's etag: changes when the object's content changes.
    public var etag: String
    public var updatedAt: Date?

    public init(key: String, size: Int, etag: String, updatedAt: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.updatedAt = updatedAt
    }
}

/// What an object sensor asks of a bucket: the objects under a prefix, and one object if it exists. Implemented
/// by the embedded buckets (`EmbeddedObjectStore`), S3 (`S3Client`, EventideS3) and GCS (`GCSClient`,
/// EventideGCS), so `S3KeySensor` and `GCSObjectExistenceSensor` run offline and against a server through the
/// same code.
public protocol ObjectListing: Sendable, CustomStringConvertible {
    /// Every object whose key starts with `prefix`, in key order. A missing bucket throws.
    func listObjects(bucket: String, prefix: String) async throws -> [StoredObject]
    /// The object at `key`, or `nil` when there is none. A missing bucket throws.
    func object(bucket: String, key: String) async throws -> StoredObject?
}

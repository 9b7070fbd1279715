import Eventide

/// GCS as an `ObjectListing`: what `GCSObjectExistenceSensor` (and `ObjectKeyQuery`) poke with.
extension GCSClient: ObjectListing {
    public var description: String { "GCS at \(endpoint.absoluteString)" }

    public func listObjects(bucket: String, prefix: String) async throws -> [StoredObject] {
        try await list(bucket: bucket, prefix: prefix).map(\.stored).sorted { $0.key < $1.key }
    }

    public func object(bucket: String, key: String) async throws -> StoredObject? {
        try await metadata(bucket: bucket, name: key)?.stored
    }
}

extension GCSObject {
    var stored: StoredObject { StoredObject(key: name, size: size, etag: etag, updatedAt: updated) }
}

import Foundation

/// The embedded buckets answer listings from their folders: a key is a file's path under the bucket's folder.
/// Names that start with `.` are skipped (the temporary file of a put that is being written).
extension EmbeddedObjectStore: ObjectListing {
    public func listObjects(bucket: String, prefix: String) async throws -> [StoredObject] {
        let root = try bucketFolder(bucket)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var objects: [StoredObject] = []
        let rootPath = root.standardizedFileURL.path + "/"
        for case let url as URL in walker {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(rootPath), !url.lastPathComponent.hasPrefix(".") else { continue }
            let key = String(path.dropFirst(rootPath.count))
            guard key.hasPrefix(prefix), let object = Self.stored(key: key, at: url) else { continue }
            objects.append(object)
        }
        return objects.sorted { $0.key < $1.key }
    }

    public func object(bucket: String, key: String) async throws -> StoredObject? {
        let root = try bucketFolder(bucket)
        guard !key.isEmpty, !key.hasPrefix("/"), !key.split(separator: "/").contains("..") else {
            throw ObjectStoreError.invalidKey(key)
        }
        return Self.stored(key: key, at: root.appendingPathComponent(key))
    }

    private func bucketFolder(_ bucket: String) throws -> URL {
        try Self.validBucket(bucket)
        let root = folder.appendingPathComponent(bucket)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ObjectStoreError.noSuchBucket(bucket)
        }
        return root
    }

    /// A regular file as an object: size, the MD5 ETag of its content, its modification date.
    private static func stored(key: String, at url: URL) -> StoredObject? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let body = FileManager.default.contents(atPath: url.path)
        else { return nil }
        return StoredObject(
            key: key, size: body.count, etag: eTag(body), updatedAt: attributes[.modificationDate] as? Date)
    }
}

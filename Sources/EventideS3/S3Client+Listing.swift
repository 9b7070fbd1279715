import Eventide
import EventideAWS
import Foundation

/// Listing objects (ListObjectsV2, every page) and reading one object's metadata (HeadObject): what
/// `S3KeySensor` pokes with.
extension S3Client: ObjectListing {
    public var description: String { "S3 at \(endpoint.absoluteString)" }

    public func listObjects(bucket: String, prefix: String) async throws -> [StoredObject] {
        var objects: [StoredObject] = []
        var continuation: String?
        repeat {
            var query = "list-type=2&prefix=\(SigV4Signer.encode(prefix))"
            if let continuation { query += "&continuation-token=\(SigV4Signer.encode(continuation))" }
            let xml = String(
                decoding: try await send("ListObjectsV2", method: .GET, path: "/\(bucket)", query: query).body,
                as: UTF8.self)
            objects += Self.elements("Contents", in: xml).compactMap(Self.storedObject)
            continuation =
                Self.element("IsTruncated", in: xml) == "true"
                ? Self.element("NextContinuationToken", in: xml) : nil
        } while continuation != nil
        return objects.sorted { $0.key < $1.key }
    }

    public func object(bucket: String, key: String) async throws -> StoredObject? {
        do {
            let (_, headers) = try await send("HeadObject", method: .HEAD, path: Self.objectPath(bucket, key))
            let modified = headers.first(name: "Last-Modified").flatMap(Self.httpDate)
            return StoredObject(
                key: key, size: headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0,
                etag: (headers.first(name: "ETag") ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                updatedAt: modified)
        } catch S3Error.service(_, _, let status) where status == 404 {
            return nil  // HEAD has no error body: a missing key and a missing bucket both answer 404
        }
    }

    /// The text of every `<tag>` element, in order.
    static func elements(_ tag: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(tag)>"),
            let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex)
        {
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func storedObject(_ contents: String) -> StoredObject? {
        guard let key = element("Key", in: contents).map(xmlUnescaped) else { return nil }
        let etag = (element("ETag", in: contents).map(xmlUnescaped) ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return StoredObject(
            key: key, size: element("Size", in: contents).flatMap { Int($0) } ?? 0, etag: etag,
            updatedAt: element("LastModified", in: contents).flatMap(isoDate))
    }

    static func xmlUnescaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

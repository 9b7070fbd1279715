import Foundation

/// Buckets as folders, with S3's event notifications: a put whose key matches a bucket's notification rule sends
/// the same JSON S3 sends (`Records[].eventName`, `s3.bucket.name`, `s3.object.key` form-encoded, `size`, `eTag`,
/// `sequencer`) to the rule's queue on a `QueueService` — so the S3 file-arrival examples run offline. Event
/// times come from the injected clock.
///
/// ```swift
/// let store = EmbeddedObjectStore(folder: try database.folder("buckets"), queues: queues)
/// try await store.createBucket("landing")
/// try await store.notify(bucket: "landing", queue: "landing-events", events: ["s3:ObjectCreated:*"],
///                        prefix: "incoming/", suffix: ".csv")
/// try await store.putObject(bucket: "landing", key: "incoming/orders.csv", body: Data("id\n1\n".utf8))
/// ```
public actor EmbeddedObjectStore: ObjectStore {
    public nonisolated let folder: URL
    public nonisolated let queues: any QueueService
    public nonisolated let clock: EventideClock
    private struct Rule { let queue: String; let events: [String]; let prefix: String; let suffix: String }
    private var rules: [String: Rule] = [:]
    private var sequence: UInt64 = 0

    public init(folder: URL, queues: any QueueService, clock: EventideClock = .system) {
        self.folder = folder
        self.queues = queues
        self.clock = clock
    }

    public nonisolated var description: String { "embedded buckets in \(folder.lastPathComponent)/" }

    public func createBucket(_ bucket: String) async throws {
        try Self.validBucket(bucket)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent(bucket), withIntermediateDirectories: true)
    }

    public func notify(bucket: String, queue: String, events: [String], prefix: String?, suffix: String?) async throws {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(bucket).path) else {
            throw ObjectStoreError.noSuchBucket(bucket)
        }
        rules[bucket] = Rule(queue: queue, events: events, prefix: prefix ?? "", suffix: suffix ?? "")
        let test: JSONValue = [
            "Service": "Amazon S3", "Event": "s3:TestEvent", "Time": .string(Self.timestamp(clock.date)),
            "Bucket": .string(bucket),
        ]
        _ = try await queues.send(queue, body: test.jsonText, attributes: [:])
    }

    @discardableResult
    public func putObject(bucket: String, key: String, body: Data) async throws -> String {
        let file = try path(bucket, key)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try body.write(to: file, options: .atomic)
        let eTag = Self.eTag(body)
        sequence += 1
        if let rule = rules[bucket], key.hasPrefix(rule.prefix), key.hasSuffix(rule.suffix),
            rule.events.contains(where: { $0 == "s3:ObjectCreated:*" || $0 == "s3:ObjectCreated:Put" })
        {
            let record: JSONValue = [
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                "eventTime": .string(Self.timestamp(clock.date)), "eventName": "ObjectCreated:Put",
                "s3": [
                    "s3SchemaVersion": "1.0", "configurationId": "eventide",
                    "bucket": ["name": .string(bucket), "arn": .string("arn:aws:s3:::\(bucket)")],
                    "object": [
                        "key": .string(Self.formEncoded(key)), "size": .number(Double(body.count)),
                        "eTag": .string(eTag), "sequencer": .string(String(format: "%016llX", sequence)),
                    ],
                ],
            ]
            _ = try await queues.send(
                rule.queue, body: JSONValue.object(["Records": [record]]).jsonText, attributes: [:])
        }
        return eTag
    }

    public func getObject(bucket: String, key: String) async throws -> (body: Data, etag: String) {
        let file = try path(bucket, key)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ObjectStoreError.noSuchKey(bucket: bucket, key: key)
        }
        return (data, Self.eTag(data))
    }

    /// S3's ETag of a single-part put: the MD5 of the body, in hexadecimal.
    static func eTag(_ body: Data) -> String { MD5.hex(body) }

    private func path(_ bucket: String, _ key: String) throws -> URL {
        try Self.validBucket(bucket)
        guard !key.isEmpty, !key.split(separator: "/").contains(".."), !key.hasPrefix("/") else {
            throw ObjectStoreError.invalidKey(key)
        }
        return folder.appendingPathComponent(bucket).appendingPathComponent(key)
    }

    static func validBucket(_ bucket: String) throws {
        guard (3...63).contains(bucket.count),
            bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") })
        else {
            throw ObjectStoreError.invalidBucketName(bucket)
        }
    }

    /// How S3 writes keys in notifications: form encoding (a space is `+`), `/` kept.
    static func formEncoded(_ key: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~/")
        return (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key).replacingOccurrences(
            of: "%20", with: "+")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

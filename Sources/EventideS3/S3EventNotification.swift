import Eventide
import Foundation

/// The body S3 publishes to a notification queue: event records, or the `s3:TestEvent` it sends once
/// when a notification configuration is saved.
public enum S3EventNotification: Sendable, Equatable {
    case records([S3EventRecord])
    /// Published when the configuration was saved; carries no object and should be dropped.
    case testEvent(bucket: String)

    /// Decodes a notification body; throws `S3Error.notAnEventNotification` with what is wrong.
    public static func parse(_ body: String) throws(S3Error) -> S3EventNotification {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch {
            throw S3Error.notAnEventNotification(reason: "the body is not JSON (\(body.prefix(80)))")
        }
        if json["Event"]?.stringValue == "s3:TestEvent" {
            return .testEvent(bucket: json["Bucket"]?.stringValue ?? "")
        }
        guard let records = json["Records"]?.arrayValue else {
            throw S3Error.notAnEventNotification(reason: "the JSON has neither 'Records' nor 'Event': \(body.prefix(80))")
        }
        var decoded: [S3EventRecord] = []
        for (index, record) in records.enumerated() {
            decoded.append(try S3EventRecord(record, index: index))
        }
        return .records(decoded)
    }
}

/// One object event from an S3 notification, with the key decoded.
public struct S3EventRecord: Sendable, Hashable, Codable {
    /// Without the `s3:` prefix, e.g. `ObjectCreated:Put`.
    public let eventName: String
    public let eventTime: Date?
    public let bucket: String
    /// The object key as stored: S3 sends it form-encoded (`+` for a space, `%XX` for other bytes).
    public let key: String
    public let size: Int
    public let eTag: String?
    /// Orders events for one key; S3 may deliver a notification twice, with the same sequencer.
    public let sequencer: String?

    init(_ json: JSONValue, index: Int) throws(S3Error) {
        guard let name = json["eventName"]?.stringValue,
              let bucket = json["s3"]?["bucket"]?["name"]?.stringValue,
              let encodedKey = json["s3"]?["object"]?["key"]?.stringValue else {
            throw S3Error.notAnEventNotification(reason: "record \(index) lacks eventName, s3.bucket.name or s3.object.key")
        }
        guard let key = Self.decodeKey(encodedKey) else {
            throw S3Error.notAnEventNotification(reason: "record \(index) has an undecodable key '\(encodedKey)'")
        }
        eventName = name
        eventTime = json["eventTime"]?.stringValue.flatMap(Self.parseTime)
        self.bucket = bucket
        self.key = key
        size = json["s3"]?["object"]?["size"]?.intValue ?? 0
        eTag = json["s3"]?["object"]?["eTag"]?.stringValue
        sequencer = json["s3"]?["object"]?["sequencer"]?.stringValue
    }

    /// `s3://bucket/key`.
    public var uri: String { "s3://\(bucket)/\(key)" }

    /// Form decoding as S3 applies it to keys in notifications.
    static func decodeKey(_ encoded: String) -> String? {
        encoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// S3 writes `2026-11-23T09:23:50.169Z`; moto omits the zone. Both are UTC.
    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withFullTime, .withFractionalSeconds]
        var utc = text
        if !(utc.hasSuffix("Z") || utc.contains("+")) { utc += "Z" }
        if let date = formatter.date(from: utc) { return date }
        formatter.formatOptions = [.withFullDate, .withFullTime]
        return formatter.date(from: utc)
    }

    /// The file-arrival payload a watcher records: bucket, decoded key, size, etag, event name, URI.
    public var fileArrival: JSONValue {
        var payload: [String: JSONValue] = [
            "bucket": .string(bucket), "key": .string(key), "size": .number(Double(size)),
            "eventName": .string(eventName), "uri": .string(uri),
        ]
        if let eTag { payload["etag"] = .string(eTag) }
        if let eventTime { payload["eventTime"] = .string(ISO8601DateFormatter().string(from: eventTime)) }
        if let sequencer { payload["sequencer"] = .string(sequencer) }
        return .object(payload)
    }
}

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
            throw S3Error.notAnEventNotification(
                reason: "the JSON has neither 'Records' nor 'Event': \(body.prefix(80))")
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
            let encodedKey = json["s3"]?["object"]?["key"]?.stringValue
        else {
            throw S3Error.notAnEventNotification(
                reason: "record \(index) lacks eventName, s3.bucket.name or s3.object.key")
        }
        guard let key = Self.decodeKey(encodedKey) else {
            throw S3Error.notAnEventNotification(reason: "record \(index) has an undecodable key '\(encodedKey)'")
        }
        var eventTime: Date?
        if let text = json["eventTime"]?.stringValue {
            guard let parsed = Self.parseTime(text) else {
                throw S3Error.notAnEventNotification(
                    reason: "record \(index) has an eventTime '\(text.prefix(80))' that is not an ISO 8601 time")
            }
            eventTime = parsed
        }
        eventName = name
        self.eventTime = eventTime
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

    /// S3 writes `2026-11-23T09:23:50.169Z`; moto omits the zone. Both are UTC. Parsed by the runtime's one
    /// parser of outside times (`EventTime.parse`, `Date.ISO8601FormatStyle`): ICU's `ISO8601DateFormatter`
    /// raises SIGFPE on some long fractions, which would kill the process before the message is dead-lettered.
    static func parseTime(_ text: String) -> Date? {
        guard text.count <= 64 else { return nil }  // an RFC 3339 time is about 30 characters
        let zoned = text.hasSuffix("Z") || text.hasSuffix("z") || Self.hasOffset(text)
        return EventTime.parse(zoned ? text : text + "Z")
    }

    /// Whether the time part ends with a `+hh:mm`/`-hh:mm` (or `+hhmm`) offset.
    static func hasOffset(_ text: String) -> Bool {
        guard let time = text.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return text[time...].contains { $0 == "+" || $0 == "-" }
    }

    /// The file-arrival payload a watcher records: bucket, decoded key, size, etag, event name, URI.
    public var fileArrival: JSONValue {
        var payload: [String: JSONValue] = [
            "bucket": .string(bucket), "key": .string(key), "size": .number(Double(size)),
            "eventName": .string(eventName), "uri": .string(uri),
        ]
        if let eTag { payload["etag"] = .string(eTag) }
        if let eventTime { payload["eventTime"] = .string(EventTime.format(eventTime)) }
        if let sequencer { payload["sequencer"] = .string(sequencer) }
        return .object(payload)
    }
}

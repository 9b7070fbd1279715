import Foundation

/// An event: what happened, where, when, and why (correlation and causation).
///
/// Attribute names follow CloudEvents 1.0 (`specversion`, `id`, `source`, `type`, `subject`, `time`,
/// `datacontenttype`, `data`); the schema version and the correlation and causation ids are CloudEvents
/// extension attributes (`schemaversion`, `correlationid`, `causationid`). The JSON form is a structured-mode
/// CloudEvent, so any CloudEvents consumer can read what the log stores.
public struct EventEnvelope: Sendable, Hashable, Codable {
    public static let specVersion = "1.0"

    /// Unique per `source`; producers use it to deduplicate.
    public var id: String
    /// What happened, reverse-DNS style: `com.example.order.placed`.
    public var type: String
    /// Who emitted it, a URI reference: `/dags/producer/tasks/extract`.
    public var source: String
    /// What it is about, within the source: an order id, a file key.
    public var subject: String?
    public var time: Date
    public var data: JSONValue
    /// The version of `data`'s schema for this `type`; consumers upcast older versions.
    public var schemaVersion: Int
    /// The id shared by every event of one business transaction.
    public var correlationId: String?
    /// The id of the event that caused this one.
    public var causationId: String?

    public init(
        id: String = UUID().uuidString.lowercased(),
        type: String,
        source: String,
        subject: String? = nil,
        time: Date = EventideClock.system.date,
        data: JSONValue = .object([:]),
        schemaVersion: Int = 1,
        correlationId: String? = nil,
        causationId: String? = nil
    ) throws(EventError) {
        for (name, value) in [("id", id), ("type", type), ("source", source)]
        where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw EventError.missingAttribute(name)
        }
        self.id = id
        self.type = type
        self.source = source
        self.subject = subject
        self.time = time
        self.data = data
        self.schemaVersion = schemaVersion
        self.correlationId = correlationId
        self.causationId = causationId
    }

    /// An event caused by this one: same correlation id (or this event's id when it has none),
    /// causation id set to this event's id.
    public func caused(
        type: String, source: String, subject: String? = nil, data: JSONValue = .object([:]),
        time: Date = EventideClock.system.date
    ) throws(EventError) -> EventEnvelope {
        try EventEnvelope(
            type: type, source: source, subject: subject ?? self.subject, time: time, data: data,
            correlationId: correlationId ?? id, causationId: id)
    }

    enum CodingKeys: String, CodingKey {
        case specversion, id, type, source, subject, time, datacontenttype, data
        case schemaversion, correlationid, causationid
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decodeIfPresent(String.self, forKey: .specversion) ?? Self.specVersion
        guard version == Self.specVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .specversion, in: c,
                debugDescription: "specversion \(version) is not supported; send CloudEvents 1.0")
        }
        let timeText = try c.decodeIfPresent(String.self, forKey: .time)
        var time = EventideClock.system.date  // an event without a time is stamped when it is read
        if let timeText {
            guard let parsed = EventTime.parse(timeText) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .time, in: c,
                    debugDescription: "time \(timeText.debugDescription) is not an RFC 3339 timestamp")
            }
            time = parsed
        }
        do {
            try self.init(
                id: c.decode(String.self, forKey: .id),
                type: c.decode(String.self, forKey: .type),
                source: c.decode(String.self, forKey: .source),
                subject: c.decodeIfPresent(String.self, forKey: .subject),
                time: time,
                data: c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .null,
                schemaVersion: c.decodeIfPresent(Int.self, forKey: .schemaversion) ?? 1,
                correlationId: c.decodeIfPresent(String.self, forKey: .correlationid),
                causationId: c.decodeIfPresent(String.self, forKey: .causationid))
        } catch let error as EventError {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.specVersion, forKey: .specversion)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(source, forKey: .source)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encode(EventTime.format(time), forKey: .time)
        try c.encode("application/json", forKey: .datacontenttype)
        try c.encode(data, forKey: .data)
        try c.encode(schemaVersion, forKey: .schemaversion)
        try c.encodeIfPresent(correlationId, forKey: .correlationid)
        try c.encodeIfPresent(causationId, forKey: .causationid)
    }

    /// Parses a structured-mode CloudEvent. Malformed JSON or missing attributes give an `EventError`.
    public static func decode(cloudEventJSON text: String) throws(EventError) -> EventEnvelope {
        _ = try JSONValue.parse(text)  // reports malformed JSON with the parser's reason
        do {
            return try JSONDecoder().decode(EventEnvelope.self, from: Data(text.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw EventError.missingAttribute(key.stringValue)
        } catch let DecodingError.dataCorrupted(context) {
            throw EventError.schemaViolation(type: "cloudevent", reason: context.debugDescription)
        } catch {
            throw EventError.schemaViolation(type: "cloudevent", reason: "\(error)")
        }
    }

    /// The structured-mode CloudEvent JSON, keys sorted.
    public var cloudEventJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }
}

/// RFC 3339 timestamps with fractional seconds, as CloudEvents' `time` uses.
public enum EventTime {
    public static func format(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(
            text,
            strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)
                .timeZone(separator: .omitted))
        {
            return date
        }
        return try? Date(text, strategy: .iso8601)
    }
}

import Eventide
import Foundation

/// How one sender's body becomes canonical events: the runtime's `EventEnvelope` (CloudEvents attributes: id, type,
/// source, subject, time, data), whatever the sender's own format. A transformation refuses with
/// `EventFormatError`, naming the field; the gateway then answers 422 and records nothing.
///
/// ```swift
/// let legacy = EventFormat("legacy_flat") { element in
///     let fields = try EventFields(element)
///     return try EventEnvelope(type: "order.placed", source: "/pos", data: ["total": .number(try fields.decimal("AMT"))])
/// }
/// let readings = sensorFormat.batched(in: "readings")        // {"readings": [ {...}, {...} ]}
/// ```
public struct EventFormat: Sendable {
    public typealias Transform = @Sendable (JSONValue) throws(EventFormatError) -> EventEnvelope

    /// Where the events are in a body.
    public enum Shape: Sendable, Hashable {
        /// The body is one event.
        case single
        /// The body is a JSON array of events.
        case array
        /// The body is an object whose field holds an array of events.
        case arrayIn(field: String)
    }

    public let name: String
    public let shape: Shape
    private let transform: Transform

    public init(_ name: String, shape: Shape = .single, transform: @escaping Transform) {
        self.name = name
        self.shape = shape
        self.transform = transform
    }

    /// The same transformation applied to every element of a batch (`field`: where the array is; `nil`: the body
    /// is the array).
    public func batched(in field: String? = nil) -> EventFormat {
        EventFormat(name, shape: field.map { .arrayIn(field: $0) } ?? .array, transform: transform)
    }

    public var isBatch: Bool { shape != .single }

    /// The events of a body, as the sender wrote them (not yet transformed). A batch must hold at least one.
    public func elements(of body: JSONValue) throws(EventFormatError) -> [JSONValue] {
        switch shape {
        case .single: return [body]
        case .array:
            guard let elements = body.arrayValue else { throw .wrongType("", expected: "list") }
            guard !elements.isEmpty else { throw .invalid("", "a batch holds at least one event") }
            return elements
        case .arrayIn(let field):
            guard let value = EventFields.value(at: field, in: body) else { throw .missing(field) }
            guard let elements = value.arrayValue else { throw .wrongType(field, expected: "list") }
            guard !elements.isEmpty else { throw .invalid(field, "a batch holds at least one event") }
            return elements
        }
    }

    /// The canonical event of one element.
    public func event(from element: JSONValue) throws(EventFormatError) -> EventEnvelope {
        try transform(element)
    }
}

extension EventFormat {
    /// Structured-mode CloudEvents 1.0 JSON (`specversion`, `id`, `source`, `type` required; `subject`, `time`,
    /// `data` optional), decoded by the runtime's `EventEnvelope`.
    public static let cloudEvents = EventFormat("cloudevents") { element throws(EventFormatError) in
        let fields = try EventFields(element)
        for attribute in ["specversion", "id", "source", "type"] { _ = try fields.string(attribute) }
        _ = try fields.optionalString("subject")
        _ = try fields.optionalString("time")
        do {
            return try JSONDecoder().decode(EventEnvelope.self, from: Data(element.jsonText.utf8))
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalid(context.codingPath.map(\.stringValue).joined(separator: "."), context.debugDescription)
        } catch let DecodingError.typeMismatch(type, context) {
            throw .wrongType(context.codingPath.map(\.stringValue).joined(separator: "."), expected: "\(type)")
        } catch {
            throw .invalid("", "not a CloudEvent: \(error)")
        }
    }
}

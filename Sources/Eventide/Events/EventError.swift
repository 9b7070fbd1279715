/// What went wrong with an event's content.
public enum EventError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON. `reason` is the parser's explanation.
    case malformedJSON(text: String, reason: String)
    /// A required attribute is missing or empty.
    case missingAttribute(String)
    /// The data does not match the schema the event type declares.
    case schemaViolation(type: String, reason: String)

    public var description: String {
        switch self {
        case .malformedJSON(let text, let reason):
            let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
            return
                "malformed event JSON \(shown.debugDescription): \(reason). Send a JSON object, e.g. {\"key\": \"value\"}."
        case .missingAttribute(let name):
            return "event attribute '\(name)' is missing or empty; every event needs an id, a type and a source."
        case .schemaViolation(let type, let reason):
            return "event of type '\(type)' does not match its schema: \(reason)."
        }
    }
}

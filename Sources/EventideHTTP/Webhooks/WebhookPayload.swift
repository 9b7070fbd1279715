import Eventide

/// Why a webhook body cannot be a payload (answered 400 as `WebhookError.malformedJSON` / `.payloadNotAnObject`).
enum UnreadablePayload: Error, Sendable, Equatable {
    case malformedJSON(reason: String)
    case notAnObject(found: String)
}

/// Reads a webhook body into its JSON object, with the runtime's parser (`JSONValue.parse`: nesting limited,
/// the reason names the offset). Not Foundation's `JSONDecoder`: on a body nested past its limit after a leading
/// newline, it traps while it builds its error (found by fuzzing; the input is in the `webhook-body` corpus).
/// The runtime's `JSONValue` only, so the fuzz target builds it alone.
enum WebhookPayload {
    /// The body's top-level JSON object.
    static func object(from body: [UInt8]) throws(UnreadablePayload) -> [String: JSONValue] {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw .malformedJSON(reason: "the body is not UTF-8 text")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            guard case .malformedJSON(_, let reason) = error else { throw .malformedJSON(reason: "\(error)") }
            throw .malformedJSON(reason: reason)
        }
        guard case .object(let payload) = json else { throw .notAnObject(found: kind(of: json)) }
        return payload
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

import Eventide
import Foundation

/// Why a webhook body cannot be a payload (answered 400 as `WebhookError.malformedJSON` / `.payloadNotAnObject`).
enum UnreadablePayload: Error, Sendable, Equatable {
    case malformedJSON(reason: String)
    case notAnObject(found: String)
}

/// Reads a webhook body into its JSON object. Foundation and the runtime's `JSONValue` only, so the fuzz target
/// `webhook-body` builds it alone.
enum WebhookPayload {
    /// The body's top-level JSON object.
    static func object(from body: [UInt8]) throws(UnreadablePayload) -> [String: JSONValue] {
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw .malformedJSON(reason: reason(body, decoding: error))
        }
        guard case .object(let payload) = json else { throw .notAnObject(found: kind(of: json)) }
        return payload
    }

    /// What the JSON parser says is wrong, e.g. `Unexpected end of file during JSON parse.` (JSONDecoder only
    /// says the data is not valid JSON; JSONSerialization says where and why).
    private static func reason(_ body: [UInt8], decoding error: any Error) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            if let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return reason }
        }
        guard case DecodingError.dataCorrupted(let context) = error else { return "\(error)" }
        return context.debugDescription
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

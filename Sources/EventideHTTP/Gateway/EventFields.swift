import Eventide

/// Reads the fields of one event a sender posted, throwing `EventFormatError` naming the field: what an
/// `EventFormat`'s transformation uses so that every refusal says where and what.
///
/// ```swift
/// let fields = try EventFields(element)
/// let store = try fields.string("STORE")             // 422 with loc ["body", "STORE"] when absent
/// let amount = try fields.decimal("AMT")             // "19.90" or 19.9
/// ```
public struct EventFields: Sendable {
    public let object: [String: JSONValue]

    /// The element must be a JSON object.
    public init(_ element: JSONValue) throws(EventFormatError) {
        guard let object = element.objectValue else { throw .wrongType("", expected: "object") }
        self.object = object
    }

    /// The value at a dotted path (`data.order_id`), `nil` when absent or null.
    public func value(at path: String) -> JSONValue? {
        Self.value(at: path, in: .object(object))
    }

    /// The value at a dotted path of any JSON value, `nil` when absent or null.
    public static func value(at path: String, in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current == .null ? nil : current
    }

    /// A required, non-empty string.
    public func string(_ path: String) throws(EventFormatError) -> String {
        guard let text = try optionalString(path) else { throw .missing(path) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid(path, "must not be empty") }
        return text
    }

    /// A string when present.
    public func optionalString(_ path: String) throws(EventFormatError) -> String? {
        guard let value = value(at: path) else { return nil }
        guard let text = value.stringValue else { throw .wrongType(path, expected: "string") }
        return text
    }

    /// A required number, given as a JSON number or as a string holding one (legacy systems send "19.90").
    public func decimal(_ path: String) throws(EventFormatError) -> Double {
        guard let value = value(at: path) else { throw .missing(path) }
        if let number = value.doubleValue { return number }
        guard let text = value.stringValue else { throw .wrongType(path, expected: "number") }
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite else {
            throw .invalid(path, "\(text.debugDescription) is not a number")
        }
        return number
    }
}

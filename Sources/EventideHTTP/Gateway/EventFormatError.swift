/// Why a sender's body could not be turned into canonical events: where (the element of a batch, the field) and
/// what is wrong. The gateway answers it as a 422 in FastAPI's validation shape and records nothing.
public struct EventFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the field.
    public enum Problem: Sendable, Hashable {
        /// A required field is absent (or null).
        case missing
        /// The field holds another JSON type than the one named.
        case wrongType(expected: String)
        /// The field has the right type but a value the format refuses (an unknown event name, a bad date).
        case invalidValue(String)
    }

    /// The element of a batch, when the body is one (`nil` for a single event).
    public var index: Int?
    /// The field, as a dotted path into the element (`data.amount`); empty for the element itself.
    public let field: String
    public let problem: Problem

    public init(field: String, problem: Problem, index: Int? = nil) {
        self.field = field
        self.problem = problem
        self.index = index
    }

    public static func missing(_ field: String) -> EventFormatError { .init(field: field, problem: .missing) }

    public static func wrongType(_ field: String, expected: String) -> EventFormatError {
        .init(field: field, problem: .wrongType(expected: expected))
    }

    public static func invalid(_ field: String, _ reason: String) -> EventFormatError {
        .init(field: field, problem: .invalidValue(reason))
    }

    /// The same error, placed at element `index` of a batch.
    public func at(index: Int?) -> EventFormatError {
        var copy = self
        copy.index = index
        return copy
    }

    /// FastAPI's `loc`: `["body", index?, field path…]`.
    public var location: [String] {
        ["body"] + (index.map { [String($0)] } ?? []) + field.split(separator: ".").map(String.init)
    }

    /// FastAPI's error `type`.
    public var type: String {
        switch problem {
        case .missing: "missing"
        case .wrongType(let expected): "\(expected)_type"
        case .invalidValue: "value_error"
        }
    }

    /// What is wrong and what to send instead.
    public var message: String {
        switch problem {
        case .missing: "Field required"
        case .wrongType(let expected): "Input should be a valid \(expected)"
        case .invalidValue(let reason): "Value error, \(reason)"
        }
    }

    public var description: String {
        let place = (index.map { "event \($0)" } ?? "the event") + (field.isEmpty ? "" : ", field '\(field)'")
        return
            "\(place): \(message.prefix(1).lowercased() + message.dropFirst()); fix the sender's event and send it again"
    }
}

import Eventide
import Foundation
import Hummingbird

/// Reads the fields of a JSON request body with pydantic's rules and messages, collecting every problem: unknown
/// fields (`extra_forbidden`, Airflow's bodies forbid extras), missing required fields (`missing`) and values of
/// the wrong type. A missing optional field and an explicit `null` both read as `nil`.
struct BodyFields {
    let object: [String: JSONValue]
    /// The problems of the fields read so far.
    var errors = ValidationErrors()
    private let extras: [String]

    /// Starts reading `object`; keys that are not in `allowed` are reported by `validate()`, after the problems
    /// of the fields (pydantic's order).
    init(_ object: [String: JSONValue], allowed: Set<String>) {
        self.object = object
        extras = object.keys.filter { !allowed.contains($0) }.sorted()
    }

    /// No problem so far: the checks across fields (pydantic's model validators) run only then.
    var isValid: Bool { errors.isEmpty && extras.isEmpty }

    /// Throws one 422 with every problem found: those of the fields read, then the unknown fields.
    func validate() throws(HTTPProblem) {
        var all = errors
        for key in extras { all.add(["body", key], "Extra inputs are not permitted", type: "extra_forbidden") }
        try all.throwIfAny()
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// Reports `key` as missing when it is absent (present with `null` is not missing).
    mutating func require(_ key: String) {
        if object[key] == nil { errors.add(["body", key], "Field required", type: "missing") }
    }

    mutating func string(_ key: String) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default:
            errors.add(["body", key], "Input should be a valid string", type: "string_type")
            return nil
        }
    }

    /// A string that must be there and not `null` (pydantic's `str`).
    mutating func requiredString(_ key: String) -> String? {
        switch object[key] {
        case nil:
            errors.add(["body", key], "Field required", type: "missing")
            return nil
        case .string(let value)?: return value
        default:
            errors.add(["body", key], "Input should be a valid string", type: "string_type")
            return nil
        }
    }

    /// An object, `nil` when absent; `null` is allowed only when `nullable` (pydantic's `dict | None`).
    mutating func dictionary(_ key: String, nullable: Bool = true) -> [String: JSONValue]? {
        if !nullable, object[key] == .null {
            errors.add(["body", key], "Input should be a valid dictionary", type: "dict_type")
            return nil
        }
        return dictionary(key)
    }

    mutating func dictionary(_ key: String) -> [String: JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        default:
            errors.add(["body", key], "Input should be a valid dictionary", type: "dict_type")
            return nil
        }
    }

    /// A whole number (pydantic's `int` takes `3` and `3.0`, refuses `3.5`, strings and booleans here).
    mutating func integer(_ key: String) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        case .number?:
            errors.add(
                ["body", key], "Input should be a valid integer, got a number with a fractional part",
                type: "int_from_float")
            return nil
        default:
            errors.add(["body", key], "Input should be a valid integer", type: "int_type")
            return nil
        }
    }

    /// A date; with `requireZone`, one with a time zone (pydantic's `AwareDatetime`), otherwise a date without
    /// one reads as UTC (pydantic's `datetime`).
    mutating func date(_ key: String, requireZone: Bool = true) -> Date? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            switch AirflowDate.parse(text) {
            case .aware(let date): return date
            case .naive where !requireZone: return AirflowDate.lenient(text)
            case .naive: errors.add(["body", key], "Input should have timezone info", type: "timezone_aware")
            case .invalid:
                errors.add(["body", key], "Input should be a valid datetime", type: "datetime_from_date_parsing")
            }
            return nil
        default:
            errors.add(["body", key], "Input should be a valid datetime", type: "datetime_type")
            return nil
        }
    }
}

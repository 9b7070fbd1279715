/// The shape an asset event's `extra` must have: named fields with JSON types, required or optional, under a
/// schema name and version. Producers and consumers share one schema so metadata is a contract, not a guess.
///
/// ```swift
/// let schema = ExtraSchema(name: "orders_export", version: 1, versionKey: "schema_version", fields: [
///     .init("path", .string), .init("row_count", .integer), .init("note", .string, required: false)])
/// try schema.validate(event.extra)   // EventError.schemaViolation listing every problem
/// ```
///
/// Unknown keys are allowed (a producer may add metadata without breaking its consumers); `null` counts as
/// missing. With a `versionKey`, extra must carry exactly this schema's `version` under that key, so a
/// consumer never reads a shape it does not know.
public struct ExtraSchema: Sendable, Hashable, Codable {
    public enum FieldType: String, Sendable, Hashable, Codable {
        /// `integer` is a number without a fractional part whose magnitude is at most 2^53 - 1 (a safe
        /// integer), so that it is exact in JSON's doubles and reading it as `Int` can neither round nor trap.
        case string, number, integer, boolean, object, array

        func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string, .string), (.number, .number), (.boolean, .bool), (.object, .object), (.array, .array): true
            case (.integer, _): value.exactIntegerValue != nil
            default: false
            }
        }
    }

    public struct Field: Sendable, Hashable, Codable {
        public let name: String
        public let type: FieldType
        public let required: Bool
        public init(_ name: String, _ type: FieldType, required: Bool = true) {
            self.name = name
            self.type = type
            self.required = required
        }
    }

    public let name: String
    public let version: Int
    /// The key of `extra` that carries the producer's schema version (e.g. `"schema_version"`), or `nil` when
    /// extra does not say which version it follows.
    public let versionKey: String?
    public let fields: [Field]

    public init(name: String, version: Int, versionKey: String? = nil, fields: [Field]) {
        self.name = name
        self.version = version
        self.versionKey = versionKey
        self.fields = fields
    }

    /// Every way `extra` breaks the schema, in field order after the version (empty when it conforms).
    public func violations(of extra: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        if let versionKey {
            switch extra[versionKey] {
            case nil, .null?:
                problems.append("'\(versionKey)' is missing (this schema is version \(version))")
            case let value?:
                if let found = value.exactIntegerValue {
                    if found != version {
                        problems.append("'\(versionKey)' is \(found), but this schema is version \(version)")
                    }
                } else {
                    problems.append("'\(versionKey)' should be integer \(version), got \(value.jsonText)")
                }
            }
        }
        for field in fields where field.name != versionKey {
            guard let value = extra[field.name], value != .null else {
                if field.required { problems.append("'\(field.name)' is missing (\(field.type.rawValue) required)") }
                continue
            }
            if !field.type.matches(value) {
                problems.append("'\(field.name)' should be \(field.type.rawValue), got \(value.jsonText)")
            }
        }
        return problems
    }

    /// Throws `EventError.schemaViolation` listing every violation.
    public func validate(_ extra: [String: JSONValue]) throws(EventError) {
        let problems = violations(of: extra)
        guard problems.isEmpty else {
            throw EventError.schemaViolation(type: "\(name) v\(version)", reason: problems.joined(separator: "; "))
        }
    }
}

extension JSONValue {
    /// The value as an `Int` when it is a number without a fractional part and at most 2^53 - 1 in magnitude
    /// (a safe integer: 2^53 itself is also what 2^53 + 1 rounds to), `nil` otherwise. Unlike `intValue` it never truncates `2.5` to `2` and never
    /// traps on `1e300`: use it on metadata you did not write.
    public var exactIntegerValue: Int? {
        guard case .number(let number) = self, number.rounded() == number,
            abs(number) <= 9_007_199_254_740_991
        else { return nil }
        return Int(number)
    }
}

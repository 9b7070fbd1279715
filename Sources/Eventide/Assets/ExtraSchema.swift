/// The shape an asset event's `extra` must have: named fields with JSON types, required or optional, under a
/// schema version. Producers and consumers share one schema so metadata is a contract, not a guess.
public struct ExtraSchema: Sendable, Hashable, Codable {
    public enum FieldType: String, Sendable, Hashable, Codable {
        case string, number, integer, boolean, object, array

        func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string, .string), (.number, .number), (.boolean, .bool), (.object, .object), (.array, .array): true
            case (.integer, .number(let n)): n.rounded() == n
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
    public let fields: [Field]

    public init(name: String, version: Int, fields: [Field]) {
        self.name = name
        self.version = version
        self.fields = fields
    }

    /// Every way `extra` breaks the schema (empty when it conforms). Unknown keys are allowed: producers may
    /// add metadata without breaking consumers (backward compatible).
    public func violations(of extra: [String: JSONValue]) -> [String] {
        fields.compactMap { field in
            guard let value = extra[field.name], value != .null else {
                return field.required ? "'\(field.name)' is missing (\(field.type.rawValue) required)" : nil
            }
            return field.type.matches(value) ? nil
                : "'\(field.name)' should be \(field.type.rawValue), got \(value.jsonText)"
        }
    }

    /// Throws `EventError.schemaViolation` listing every violation.
    public func validate(_ extra: [String: JSONValue]) throws(EventError) {
        let problems = violations(of: extra)
        guard problems.isEmpty else {
            throw EventError.schemaViolation(type: "\(name) v\(version)", reason: problems.joined(separator: "; "))
        }
    }
}

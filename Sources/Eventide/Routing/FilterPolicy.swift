/// A message filter in the syntax of SNS subscription filter policies (and EventBridge patterns), applied either
/// to a message's attributes or to its JSON body:
///
/// ```json
/// {"type": ["order.placed", "order.paid"], "region": [{"prefix": "eu-"}], "amount": [{"numeric": [">", 0]}]}
/// ```
///
/// Every key must match (AND); a key matches when any of its conditions does (OR). Conditions: a string or
/// number (exact), `{"prefix": s}`, `{"suffix": s}`, `{"equals-ignore-case": s}`, `{"anything-but": value or
/// [values] or {"prefix": s}}`, `{"numeric": [op, n, (op, n)]}` with `=`, `<`, `<=`, `>`, `>=`, `{"exists": bool}`.
/// In a body policy a nested object matches a nested object, and a condition matches an array when it matches
/// one of its elements. Attribute values are strings; `numeric` reads them as numbers.
public struct FilterPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Where the policy looks, like SNS's `FilterPolicyScope`.
    public enum Scope: String, Sendable, Hashable, Codable {
        case messageAttributes = "MessageAttributes", messageBody = "MessageBody"
    }

    public let scope: Scope
    public let policy: JSONValue
    private let root: [String: Node]

    indirect enum Node: Sendable, Hashable {
        case conditions([Condition])
        case nested([String: Node])
    }

    enum Condition: Sendable, Hashable {
        case exactString(String), exactNumber(Double), prefix(String), suffix(String), equalsIgnoreCase(String)
        case anythingBut([JSONValue]), anythingButPrefix(String), numeric([Comparison]), exists(Bool)
    }

    struct Comparison: Sendable, Hashable {
        let op: NumericOperator
        let bound: Double
    }

    enum NumericOperator: String, Sendable, Hashable { case eq = "=", lt = "<", le = "<=", gt = ">", ge = ">=" }

    /// Parses `policy`; throws `FilterPolicyError` naming the key and what is wrong.
    public init(_ policy: JSONValue, scope: Scope = .messageAttributes) throws(FilterPolicyError) {
        guard let object = policy.objectValue, !object.isEmpty else {
            throw .invalid(path: "", reason: "a policy is a non-empty JSON object")
        }
        if scope == .messageAttributes, let nested = object.first(where: { $0.value.objectValue != nil }) {
            throw .invalid(
                path: nested.key, reason: "attribute policies cannot nest objects (use the MessageBody scope)")
        }
        self.scope = scope
        self.policy = policy
        root = try Self.parse(object, path: "")
    }

    /// Parses the policy from its JSON text.
    public init(json: String, scope: Scope = .messageAttributes) throws(FilterPolicyError) {
        let value: JSONValue
        do { value = try JSONValue.parse(json) } catch { throw .invalid(path: "", reason: "not JSON: \(error)") }
        try self.init(value, scope: scope)
    }

    public var description: String { "\(scope.rawValue) \(policy.jsonText)" }

    /// Whether a message with these attributes and this body passes: the policy looks at the one its scope names.
    public func matches(attributes: [String: String], body: JSONValue?) -> Bool {
        switch scope {
        case .messageAttributes: Self.matches(root, in: attributes.mapValues(JSONValue.string))
        case .messageBody: body?.objectValue.map { Self.matches(root, in: $0) } ?? false
        }
    }

    // MARK: Matching

    static func matches(_ nodes: [String: Node], in object: [String: JSONValue]) -> Bool {
        nodes.allSatisfy { key, node in
            switch node {
            case .nested(let inner): object[key]?.objectValue.map { matches(inner, in: $0) } ?? false
            case .conditions(let conditions): conditions.contains { matches($0, object[key]) }
            }
        }
    }

    static func matches(_ condition: Condition, _ value: JSONValue?) -> Bool {
        if case .exists(let wanted) = condition { return (value != nil && value != .null) == wanted }
        guard let value else { return false }
        if case .array(let elements) = value { return elements.contains { matches(condition, $0) } }
        switch condition {
        case .exactString(let text): return value.stringValue == text
        case .exactNumber(let number): return numberOf(value) == number
        case .prefix(let prefix): return value.stringValue?.hasPrefix(prefix) ?? false
        case .suffix(let suffix): return value.stringValue?.hasSuffix(suffix) ?? false
        case .equalsIgnoreCase(let text): return value.stringValue?.lowercased() == text.lowercased()
        case .anythingBut(let excluded):
            return !excluded.contains { $0 == value || ($0.doubleValue != nil && $0.doubleValue == numberOf(value)) }
        case .anythingButPrefix(let prefix): return !(value.stringValue?.hasPrefix(prefix) ?? false)
        case .numeric(let comparisons):
            guard let number = numberOf(value) else { return false }
            return comparisons.allSatisfy { comparison in
                switch comparison.op {
                case .eq: number == comparison.bound
                case .lt: number < comparison.bound
                case .le: number <= comparison.bound
                case .gt: number > comparison.bound
                case .ge: number >= comparison.bound
                }
            }
        case .exists: return true  // handled above
        }
    }

    /// A number, or a string holding one (message attributes are strings).
    static func numberOf(_ value: JSONValue) -> Double? {
        value.doubleValue ?? value.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    // MARK: Parsing

    static func parse(_ object: [String: JSONValue], path: String) throws(FilterPolicyError) -> [String: Node] {
        var nodes: [String: Node] = [:]
        for (key, value) in object {
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            switch value {
            case .object(let inner): nodes[key] = .nested(try parse(inner, path: keyPath))
            case .array(let items):
                guard !items.isEmpty else { throw .invalid(path: keyPath, reason: "an empty list matches nothing") }
                var conditions: [Condition] = []
                for item in items { conditions.append(try condition(item, path: keyPath)) }
                nodes[key] = .conditions(conditions)
            default:
                throw .invalid(path: keyPath, reason: "conditions are given as a list, e.g. [\(value.jsonText)]")
            }
        }
        return nodes
    }

    static func condition(_ item: JSONValue, path: String) throws(FilterPolicyError) -> Condition {
        switch item {
        case .string(let text): return .exactString(text)
        case .number(let number): return .exactNumber(number)
        case .object(let operation):
            guard operation.count == 1, let (name, argument) = operation.first else {
                throw .invalid(path: path, reason: "a condition object has exactly one operator")
            }
            switch (name, argument) {
            case ("prefix", .string(let text)): return .prefix(text)
            case ("suffix", .string(let text)): return .suffix(text)
            case ("equals-ignore-case", .string(let text)): return .equalsIgnoreCase(text)
            case ("exists", .bool(let flag)): return .exists(flag)
            case ("anything-but", .array(let values))
            where values.allSatisfy({ $0.stringValue != nil || $0.doubleValue != nil }):
                return .anythingBut(values)
            case ("anything-but", .string), ("anything-but", .number): return .anythingBut([argument])
            case ("anything-but", .object(let inner)):
                guard inner.count == 1, let prefix = inner["prefix"]?.stringValue else {
                    throw .invalid(
                        path: path, reason: "anything-but takes a value, a list of values or {\"prefix\": s}")
                }
                return .anythingButPrefix(prefix)
            case ("numeric", .array(let parts)): return .numeric(try numeric(parts, path: path))
            default:
                throw .invalid(
                    path: path, reason: "unknown operator or bad argument: {\"\(name)\": \(argument.jsonText)}")
            }
        default:
            throw .invalid(
                path: path, reason: "a condition is a string, a number or an operator object, got \(item.jsonText)")
        }
    }

    static func numeric(_ parts: [JSONValue], path: String) throws(FilterPolicyError) -> [Comparison] {
        guard parts.count == 2 || parts.count == 4 else {
            throw .invalid(path: path, reason: "numeric takes [op, n] or [op, n, op, n]")
        }
        var comparisons: [Comparison] = []
        for index in stride(from: 0, to: parts.count, by: 2) {
            guard let op = parts[index].stringValue.flatMap(NumericOperator.init(rawValue:)),
                let bound = parts[index + 1].doubleValue
            else {
                throw .invalid(path: path, reason: "numeric takes operators =, <, <=, >, >= each followed by a number")
            }
            comparisons.append(Comparison(op: op, bound: bound))
        }
        return comparisons
    }
}

/// A filter policy that cannot be used, with the key and the reason.
public enum FilterPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let path, let reason):
            "invalid filter policy\(path.isEmpty ? "" : " at '\(path)'"): \(reason)"
        }
    }
}

/// A task's arguments after rendering, by name, with typed accessors that fail naming the argument.
///
/// ```swift
/// let orderId = try arguments.string("order_id")
/// let amount = try arguments.number("amount")
/// ```
public struct TemplatedArguments: Sendable, Hashable, Codable {
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) { self.values = values }

    /// Renders every template (in name order, so the first failure reported is stable), or throws the first
    /// failure as `TemplateError.argument(name:error:)`.
    public static func render(
        _ templates: [String: TaskTemplate], in context: TemplateContext
    ) throws(TemplateError) -> TemplatedArguments {
        var values: [String: JSONValue] = [:]
        for (name, template) in templates.sorted(by: { $0.key < $1.key }) {
            do {
                values[name] = try template.value(in: context)
            } catch {
                throw .argument(name: name, error: error)
            }
        }
        return TemplatedArguments(values)
    }

    public subscript(name: String) -> JSONValue? { values[name] }

    /// The argument's value; throws `missingArgument` when the task declares no such argument.
    public func value(_ name: String) throws(TemplateError) -> JSONValue {
        guard let value = values[name] else { throw .missingArgument(name: name) }
        return value
    }

    public func string(_ name: String) throws(TemplateError) -> String {
        let value = try value(name)
        guard let string = value.stringValue else { throw mismatch(name, .string, value) }
        return string
    }

    /// A number, or a string that reads as one (a template mixing text and an expression renders a string).
    public func number(_ name: String) throws(TemplateError) -> Double {
        let value = try value(name)
        if let number = value.doubleValue ?? value.stringValue.flatMap(Double.init) { return number }
        throw mismatch(name, .number, value)
    }

    /// A whole number, or a string that reads as one.
    public func int(_ name: String) throws(TemplateError) -> Int {
        let value = try value(name)
        if let int = value.intValue ?? value.stringValue.flatMap({ Int($0) }) { return int }
        throw mismatch(name, .number, value)
    }

    public func bool(_ name: String) throws(TemplateError) -> Bool {
        let value = try value(name)
        guard let bool = value.boolValue else { throw mismatch(name, .bool, value) }
        return bool
    }

    public func object(_ name: String) throws(TemplateError) -> [String: JSONValue] {
        let value = try value(name)
        guard let object = value.objectValue else { throw mismatch(name, .object, value) }
        return object
    }

    private func mismatch(_ name: String, _ expected: JSONValueKind, _ value: JSONValue) -> TemplateError {
        .argument(name: name, error: .wrongType(path: name, expected: expected, found: value.kind))
    }
}

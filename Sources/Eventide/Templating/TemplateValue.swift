import Stencil

/// A JSON value of the template context as Stencil sees it: `.key` and `[index]` lookups go through
/// `DynamicMemberLookup`, and a lookup that fails yields a *missing* value that remembers where and why it
/// failed, instead of Stencil's silent `nil`, so that rendering can fail naming the path.
///
/// At the end of a variable's lookup Stencil resolves the value (`Resolvable`): scalars become plain Swift values
/// (so `{% if %}` comparisons and Stencil's filters work on them), arrays `[Any]` and objects `[String: Any]` of
/// `TemplateValue`s (so `{% for %}` iterates them), `null` becomes `nil`, and a missing value becomes `nil` after
/// recording its error in the render, where the output tag or `| default:` deals with it.
struct TemplateValue: DynamicMemberLookup, Resolvable, CustomStringConvertible {
    enum State {
        case present(JSONValue)
        case missing(TemplateError)
    }

    let state: State
    /// The path from the context's root to this value, as a template would write it.
    let path: String

    init(_ value: JSONValue, path: String) {
        state = .present(value)
        self.path = path
    }

    private init(missing error: TemplateError, path: String) {
        state = .missing(error)
        self.path = path
    }

    subscript(dynamicMember member: String) -> Any? {
        guard case .present(let value) = state else { return self }  // the first failure is the one reported
        switch value {
        case .object(let object):
            let childPath = path + Self.segment(member)
            guard let child = object[member] else {
                return TemplateValue(
                    missing: .missingKey(path: childPath, available: object.keys.sorted()), path: childPath)
            }
            return TemplateValue(child, path: childPath)
        case .array(let array):
            return element(member, of: array)
        default:
            return TemplateValue(
                missing: .notAContainer(path: path, found: value.kind, key: member), path: path + Self.segment(member))
        }
    }

    /// `[n]` (negative from the end), `first`, `last` and `count`, as Stencil offers on its own arrays.
    private func element(_ member: String, of array: [JSONValue]) -> Any? {
        switch member {
        case "count": return TemplateValue(.number(Double(array.count)), path: path + ".count")
        case "first": return element("0", of: array)
        case "last": return element("-1", of: array)
        default: break
        }
        guard let index = Int(member) else {
            return TemplateValue(
                missing: .notAContainer(path: path, found: .array, key: member), path: path + Self.segment(member))
        }
        let childPath = path + "[\(index)]"
        let position = index < 0 ? array.count + index : index
        guard array.indices.contains(position) else {
            return TemplateValue(missing: .indexOutOfRange(path: childPath, count: array.count), path: childPath)
        }
        return TemplateValue(array[position], path: childPath)
    }

    func resolve(_ context: Context) throws -> Any? {
        let render = TemplateRender.of(context)
        switch state {
        case .missing(let error):
            render?.missing.append(error)
            return nil
        case .present(let value):
            render?.lastPath = path
            return Self.plain(value, path: path)
        }
    }

    /// The Swift value Stencil's tags and filters understand; nested values stay `TemplateValue`s.
    static func plain(_ value: JSONValue, path: String) -> Any? {
        switch value {
        case .null: nil
        case .bool(let bool): bool
        case .number(let number): Int(exactly: number) ?? number
        case .string(let string): string
        case .array(let array): array.enumerated().map { TemplateValue($1, path: path + "[\($0)]") } as [Any]
        case .object(let object):
            object.reduce(into: [String: Any]()) { $0[$1.key] = TemplateValue($1.value, path: path + segment($1.key)) }
        }
    }

    var description: String {
        switch state {
        case .present(let value): value.stringValue ?? value.jsonText
        case .missing: ""
        }
    }

    /// `.key` for identifiers, `['key']` for anything else (URIs, keys with spaces).
    static func segment(_ key: String) -> String {
        let identifier =
            key.first.map { $0 == "_" || $0.isLetter } == true
            && key.allSatisfy { $0 == "_" || (($0.isLetter || $0.isNumber) && $0.isASCII) }
        return identifier ? ".\(key)" : "['\(key)']"
    }

    /// The JSON value of anything a template expression resolves to (`nil` is `null`).
    static func json(of value: Any?) -> JSONValue {
        switch value {
        case nil: return .null
        case let value as TemplateValue:
            if case .present(let json) = value.state { return json }
            return .null
        case let value as String: return .string(value)
        case let value as Bool: return .bool(value)
        case let value as Int: return .number(Double(value))
        case let value as Double: return .number(value)
        case let value as Float: return .number(Double(value))
        case let value as [Any]: return .array(value.map { json(of: $0) })
        case let value as [Any?]: return .array(value.map { json(of: $0) })
        case let value as [String: Any]: return .object(value.mapValues { json(of: $0) })
        case let value?: return .string("\(value)")
        }
    }
}

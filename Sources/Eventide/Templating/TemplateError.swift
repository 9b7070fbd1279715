/// Why a task-argument template could not be rendered. Each case names the path in the template's context
/// where rendering stopped, e.g. `triggering_asset_events['orders'][0].extra.payload.order_id`, so the task's
/// failure says which field of which event was missing or malformed.
public indirect enum TemplateError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// An object has no such key (and no `| default:` was given).
    case missingKey(path: String, available: [String])
    /// An array has no element at that index.
    case indexOutOfRange(path: String, count: Int)
    /// A field was looked up in a value that is not an object or array (a payload that is a string or a number
    /// where the template expects an object: malformed data).
    case notAContainer(path: String, found: JSONValueKind, key: String)
    /// The template names a variable the context does not define (a typo, or a variable not passed).
    case undefined(name: String)
    /// `| fromjson` was applied to a string that is not JSON.
    case malformedJSON(path: String, reason: String)
    /// A value has another kind than the one asked for (`| fromjson` on a number, `arguments.int("n")` on a string).
    case wrongType(path: String, expected: JSONValueKind, found: JSONValueKind)
    /// A typed accessor asked for an argument the task does not declare.
    case missingArgument(name: String)
    /// The template itself does not parse (an unknown filter, an unclosed tag).
    case invalidTemplate(template: String, reason: String)
    /// The error happened while rendering the named argument of a task.
    case argument(name: String, error: TemplateError)

    /// The innermost error (without the argument that carried it).
    public var underlying: TemplateError {
        if case .argument(_, let error) = self { return error.underlying }
        return self
    }

    public var description: String {
        switch self {
        case .missingKey(let path, let available):
            "\(path) is missing"
                + (available.isEmpty ? " (the object is empty)" : " (keys: \(available.joined(separator: ", ")))")
                + "; send the field or give a default with | default:\"…\""
        case .indexOutOfRange(let path, let count):
            "\(path) does not exist: the array has \(count) element\(count == 1 ? "" : "s")"
        case .notAContainer(let path, let found, let key):
            "\(path) is \(found), not an object or array, so it has no '\(key)': the data is malformed; "
                + "fix the producer or give a default with | default:\"…\""
        case .undefined(let name):
            "the template uses '\(name)', which the context does not define; check the spelling or pass it "
                + "as a variable"
        case .malformedJSON(let path, let reason):
            "\(path) is not valid JSON: \(reason)"
        case .wrongType(let path, let expected, let found):
            "\(path) is \(found), expected \(expected)"
        case .missingArgument(let name):
            "the task has no argument '\(name)'; declare it in the task's arguments"
        case .invalidTemplate(let template, let reason):
            "the template \(template) does not parse: \(reason)"
        case .argument(let name, let error):
            "argument '\(name)': \(error)"
        }
    }
}

import Foundation
import Stencil

/// The tag and filters templates render with, registered before Stencil's own (so `default` is ours):
/// - the output tag every `{{ … }}` is compiled to, which fails naming the path when the expression resolves to
///   a missing field or an undefined variable, and keeps the expression's JSON value for native rendering;
/// - `| default:"x"`: the value, or `x` when the value is missing or `null` (Jinja's `default(x, true)` minus
///   empty strings);
/// - `| fromjson`: a string parsed as JSON (a payload field that carries JSON text, as an SNS message does);
/// - `| tojson`: the value as compact JSON text with sorted keys.
final class TemplateExtension: Extension {
    static let outputTag = "eventide_output"

    override init() {
        super.init()
        registerTag(Self.outputTag) { parser, token in
            let expression = String(token.contents.dropFirst(Self.outputTag.count)).trimmingCharacters(in: .whitespaces)
            return OutputNode(
                expression: expression, resolvable: try parser.compileResolvable(expression, containedIn: token),
                token: token)
        }
        registerFilter("default") { value, arguments in
            value ?? arguments.first ?? nil
        }
        registerFilter("fromjson") { value, _, context in
            guard let value else { return nil }
            let render = TemplateRender.of(context)
            let path = (render?.lastPath ?? "value") + " | fromjson"
            guard let text = value as? String else {
                let kind = TemplateValue.json(of: value).kind
                throw render?.fail(.wrongType(path: path, expected: .string, found: kind))
                    ?? TemplateError.wrongType(path: path, expected: .string, found: kind)
            }
            guard let parsed = try? JSONValue.parse(text) else {
                let shown = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
                let failure = TemplateError.malformedJSON(
                    path: path, reason: "\(shown.debugDescription) does not parse")
                throw render?.fail(failure) ?? failure
            }
            return TemplateValue.plain(parsed, path: path)
        }
        registerFilter("tojson") { value in
            TemplateValue.json(of: value).jsonText
        }
    }
}

/// `{{ expression }}`: renders the expression's value (strings as they are, everything else as JSON), or fails.
final class OutputNode: NodeType {
    let expression: String
    let resolvable: Resolvable
    let token: Token?

    init(expression: String, resolvable: Resolvable, token: Token) {
        self.expression = expression
        self.resolvable = resolvable
        self.token = token
    }

    /// The variables used as subscripts (`asset` in `events[asset][0]`): not quoted, not numbers.
    private var subscriptNames: [String] {
        expression.split(separator: "[").dropFirst().compactMap { part in
            let name = part.prefix { $0 == "_" || $0.isLetter || $0.isNumber }
            return name.first.map { $0 == "_" || $0.isLetter } == true ? String(name) : nil
        }
    }

    func render(_ context: Context) throws -> String {
        guard let render = TemplateRender.of(context) else { return "" }
        render.missing = []
        render.lastPath = nil
        let value: Any?
        do {
            value = try resolvable.resolve(context)
        } catch let error as TemplateError {
            throw render.fail(error)
        } catch {
            // Stencil refuses a subscript that resolves to nothing: report the missing field or the undefined
            // variable behind it.
            if let missing = render.missing.last { throw render.fail(missing) }
            if let name = subscriptNames.first(where: { context[$0] == nil }) {
                throw render.fail(.undefined(name: name))
            }
            let reason = (error as? TemplateSyntaxError)?.reason ?? "\(error)"
            throw render.fail(.invalidTemplate(template: "{{ \(expression) }}", reason: reason))
        }
        if value == nil {
            if let missing = render.missing.last { throw render.fail(missing) }
            let root = String(expression.prefix { $0 == "_" || $0.isLetter || $0.isNumber })
            if !root.isEmpty, context[root] == nil { throw render.fail(.undefined(name: root)) }
        }
        let json = TemplateValue.json(of: value)
        render.nativeValue = json
        switch json {
        case .null: return ""
        case .string(let string): return string
        default: return json.jsonText
        }
    }
}

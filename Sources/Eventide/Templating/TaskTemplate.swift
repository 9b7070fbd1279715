import Stencil

/// A task-argument template, Jinja-style, rendered with Stencil against a run's `TemplateContext`:
///
/// ```swift
/// let key = TaskTemplate("{{ triggering_asset_events[asset][0].extra.payload.key }}")
/// let value = try key.value(in: context.templateContext(variables: ["asset": .string(orders.uri)]))
/// ```
///
/// Unlike Stencil's default (an unknown name renders as nothing), an expression that reaches a missing key, an
/// index out of range, a field of a value that is not an object (a malformed payload) or an undefined variable
/// fails with a `TemplateError` naming the path, unless it ends in `| default:"…"` (Airflow renders with Jinja's
/// `StrictUndefined`, to the same effect). Lookups: `a.b`, `a['key with / or :']`, `a[variable]`, `a[0]`, `a[-1]`,
/// `a.first`, `a.last`, `a.count`. Filters: Stencil's, plus `default`, `fromjson` and `tojson`. Tags: Stencil's
/// (`{% if %}`, `{% for %}`); in a condition a missing field is false.
public struct TaskTemplate: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public let source: String

    public init(_ source: String) { self.source = source }
    public init(stringLiteral value: String) { source = value }

    public var description: String { source }

    /// The rendered text: strings as they are, other values as JSON, `null` as nothing.
    public func render(in context: TemplateContext) throws(TemplateError) -> String {
        try rendered(in: context).text
    }

    /// The value: when the template is one `{{ expression }}` alone (spaces aside), the expression's JSON value
    /// with its type (a number stays a number, an object an object, as Airflow's `render_template_as_native_obj`);
    /// otherwise the rendered text as a string.
    public func value(in context: TemplateContext) throws(TemplateError) -> JSONValue {
        let (text, native) = try rendered(in: context)
        return native ?? .string(text)
    }

    private func rendered(in context: TemplateContext) throws(TemplateError) -> (text: String, native: JSONValue?) {
        let environment = Environment(extensions: [TemplateExtension()])
        let lexed = Template(templateString: source, environment: environment).tokens
        // Every `{{ … }}` becomes our output tag, which fails on missing data instead of printing nothing.
        let tokens = lexed.map { token in
            token.kind == .variable
                ? Token.block(value: "\(TemplateExtension.outputTag) \(token.contents)", at: token.sourceMap) : token
        }
        let render = TemplateRender()
        var dictionary: [String: Any] = context.variables.reduce(into: [:]) {
            $0[$1.key] = TemplateValue($1.value, path: $1.key)
        }
        dictionary[TemplateRender.key] = render
        do {
            let nodes = try TokenParser(tokens: tokens, environment: environment).parse()
            let text = try renderNodes(nodes, Context(dictionary: dictionary, environment: environment))
            let single =
                lexed.filter { $0.kind != .comment && !($0.kind == .text && $0.contents.allSatisfy(\.isWhitespace)) }
            let native = single.count == 1 && single.first?.kind == .variable ? render.nativeValue : nil
            return (text, native)
        } catch {
            if let failure = render.failure { throw failure }
            let reason = (error as? TemplateSyntaxError)?.reason ?? "\(error)"
            throw .invalidTemplate(template: source, reason: reason)
        }
    }
}

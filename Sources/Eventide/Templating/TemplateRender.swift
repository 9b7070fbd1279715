import Stencil

/// The state of one rendering, kept in Stencil's context under a private key: the missing fields met by the
/// expression being rendered, the path of the last value resolved (for filters' errors), the typed error that
/// stopped rendering (Stencil wraps errors thrown inside blocks in its own syntax error), and the native value
/// of a template that is a single expression.
final class TemplateRender {
    static let key = "__eventide_template_render"

    var missing: [TemplateError] = []
    var lastPath: String?
    var failure: TemplateError?
    var nativeValue: JSONValue?

    static func of(_ context: Context) -> TemplateRender? { context[key] as? TemplateRender }

    /// Records the error that stops rendering and returns it, to be thrown.
    func fail(_ error: TemplateError) -> TemplateError {
        if failure == nil { failure = error }
        return error
    }
}

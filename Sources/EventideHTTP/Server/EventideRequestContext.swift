import Hummingbird

/// The request context of every Eventide route: Hummingbird's core storage, and who is calling once the API's
/// authentication has run (`nil` on routes that take no token, such as webhooks, health and metrics).
public struct EventideRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The largest body a route collects whole; larger bodies are refused with 413 before they are read whole.
    public var maxUploadSize: Int

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        maxUploadSize = 1 << 20
    }
}

import Hummingbird

/// A part of the HTTP surface (the REST API, the webhooks, the metrics endpoint, the console): it adds its routes
/// to the server's router. The server is assembled from the components an item or tool needs.
public protocol HTTPComponent: Sendable {
    func register(on router: Router<EventideRequestContext>)
}

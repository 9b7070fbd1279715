import AsyncHTTPClient
import NIOCore
import NIOPosix

/// The HTTP client the AWS clients share by default: like `HTTPClient.shared`, but a refused or failed
/// connection is reported at once instead of being retried until the request's deadline, so that an
/// unreachable server becomes a typed error promptly and the caller's own retry policy (a watcher's restart
/// policy) decides what happens next.
public enum AWSHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}

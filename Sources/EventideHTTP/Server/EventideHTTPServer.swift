import Eventide
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// An HTTP server for the runtime, assembled from components (the REST API, webhooks, metrics, the console).
///
/// It binds 127.0.0.1 unless told otherwise; port 0 picks a free port, which `withRunning` reports.
///
/// ```swift
/// let server = EventideHTTPServer(components: [api, webhooks])
/// try await server.withRunning { running in       // running.port, running.baseURL
///     …                                            // send requests
/// }                                                // stopped gracefully here
/// ```
public struct EventideHTTPServer: Sendable {
    public let host: String
    public let port: Int
    public let components: [any HTTPComponent]
    public let logger: Logger
    /// The event loops that read requests and write answers; the handlers run on Swift's concurrency pool.
    public let eventLoopGroup: any EventLoopGroup

    public init(
        host: String = "127.0.0.1", port: Int = 0, components: [any HTTPComponent],
        logger: Logger = EventideHTTPServer.defaultLogger,
        eventLoopGroup: any EventLoopGroup = EventideHTTPServer.defaultEventLoopGroup
    ) {
        self.host = host
        self.port = port
        self.components = components
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// One event-loop thread, shared by every server of the process. Request handlers and the runtime's work run
    /// on Swift's concurrency pool, so the loop only parses and writes bytes; a loop per core (NIO's default) adds
    /// threads that hand each request back and forth. Measured on the 2-core machine (issue 10's benchmark,
    /// 64 connections): one loop took 72 µs of CPU per committed event and 28 µs per bare request, two loops
    /// 84–94 µs and 31–37 µs. Pass a larger group for a server that does its work on the loops.
    public static let defaultEventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Warnings and errors only: an example's narrative is its output, not the server's request log. The handler
    /// LoggingSystem gives is wrapped in a `LazyMetadataLogHandler`: Hummingbird sets a request id on every
    /// request's logger, which a `StreamLogHandler` would format each time, logged or not.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "eventide.http")
        logger.handler = LazyMetadataLogHandler(wrapping: logger.handler)
        logger.logLevel = .warning
        return logger
    }

    /// The Hummingbird application: for `runService()` in a tool, or for HummingbirdTesting in tests.
    public func application(
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: EventideRequestContext.self)
        for component in components { component.register(on: router) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "eventide"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(eventLoopGroup), logger: logger)
    }

    /// Runs the server while `body` runs: returns `body`'s result after a graceful shutdown (requests in flight
    /// finish, new connections are refused). Throws `HTTPServerError.didNotStart` when the server stops before it
    /// listens (the port is taken, say), with the underlying error.
    public func withRunning<T: Sendable>(
        _ body: @escaping @Sendable (RunningServer) async throws -> T
    ) async throws -> T {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = application { port in listening.yield(port) }
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                defer { listening.finish() }
                try await services.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                var failure: String?
                do { while try await group.next() != nil {} } catch { failure = "\(error)" }
                throw HTTPServerError.didNotStart(host: host, port: self.port, underlying: failure)
            }
            let running = RunningServer(host: host, port: port)
            let result: Result<T, any Error>
            do { result = .success(try await body(running)) } catch { result = .failure(error) }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }
}

/// A server running inside `EventideHTTPServer.withRunning`.
public struct RunningServer: Sendable, Hashable {
    public let host: String
    public let port: Int

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://\(host):\(port)" }
}

/// Why the HTTP server could not serve.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case didNotStart(host: String, port: Int, underlying: String?)

    public var description: String {
        switch self {
        case .didNotStart(let host, let port, let underlying):
            "the HTTP server did not start on \(host):\(port)"
                + (underlying.map { ": \($0)" } ?? "") + "; is the port free?"
        }
    }
}

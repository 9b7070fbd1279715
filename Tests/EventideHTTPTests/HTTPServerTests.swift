import AsyncHTTPClient
import Eventide
import EventideHTTP
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A component that answers one route, to test the server itself.
private struct Echo: HTTPComponent {
    func register(on router: Router<EventideRequestContext>) {
        router.get("/echo/:word") { _, context in context.parameters.get("word") ?? "" }
        router.post("/collect") { request, context in
            String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
        }
        router.get("/refuse") { _, _ -> String in throw HTTPProblem(.notFound, detail: "nothing here") }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct HTTPServerTests {
    @Test func servesOnAFreeLoopbackPortAndStopsAfterTheBody() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let running = try await EventideHTTPServer(components: [Echo()]).withRunning { running in
            let echo = try await client.get(url: running.baseURL + "/echo/hello").get()
            #expect(echo.status == .ok)
            #expect(echo.body.map { String(buffer: $0) } == "hello")
            let refused = try await client.get(url: running.baseURL + "/refuse").get()
            #expect(refused.status == .notFound)
            #expect(refused.body.map { String(buffer: $0) } == #"{"detail":"nothing here"}"#)
            try await client.shutdown()
            return running
        }
        #expect(running.port > 0)
        #expect(running.host == "127.0.0.1")
        // Stopped: the port is free again, so a new server can listen on it.
        let again = try await EventideHTTPServer(port: running.port, components: [Echo()]).withRunning { $0.port }
        #expect(again == running.port)
    }

    /// Hummingbird sets a request id on every request's logger: the default logger only stores it, so a request
    /// that logs nothing formats nothing (`LazyMetadataLogHandler`), at the level the examples expect.
    @Test func theDefaultLoggerDefersMetadataAndLogsWarningsOnly() {
        let logger = EventideHTTPServer.defaultLogger
        #expect(logger.handler is LazyMetadataLogHandler)
        #expect(logger.logLevel == .warning)
    }

    @Test func aTakenPortIsReportedAsDidNotStart() async throws {
        _ = try await EventideHTTPServer(components: [Echo()]).withRunning { first in
            await #expect {
                _ = try await EventideHTTPServer(port: first.port, components: [Echo()]).withRunning { _ in }
            } throws: { error in
                guard case .didNotStart(_, let port, let underlying)? = error as? HTTPServerError else { return false }
                return port == first.port && underlying != nil
            }
        }
    }

    /// A TCP connection to the server that sends `bytes` and then stays open, sending nothing more.
    final class StalledClient: Sendable {
        let descriptor: Int32

        init(port: Int, sending bytes: String) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            try #require(send(descriptor, bytes, bytes.utf8.count, 0) == bytes.utf8.count)
        }

        deinit { close(descriptor) }
    }

    /// Issue 10 §6: slow clients and half-sent bodies do not block other requests.
    @Test func slowClientsAndHalfSentBodiesDoNotBlockOtherRequests() async throws {
        try await EventideHTTPServer(components: [Echo()]).withRunning { running in
            try await Self.answersBesideStalledConnections(running)
        }
    }

    /// Ten connections that stall (five mid-headers, five with a body that promises 1,000 bytes and sends 10), and
    /// twenty requests answered while they hold on.
    static func answersBesideStalledConnections(_ running: RunningServer) async throws {
        var stalled: [StalledClient] = []
        for n in 0..<5 {
            stalled.append(try StalledClient(port: running.port, sending: "GET /echo/slow\(n) HTTP/1.1\r\nHost: x"))
            let halfBody = "POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"
            stalled.append(try StalledClient(port: running.port, sending: halfBody))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        for n in 0..<20 {
            let echo = try await client.get(
                url: running.baseURL + "/echo/w\(n)", deadline: NIODeadline.now() + .seconds(5)
            ).get()
            #expect(echo.status == .ok)
            #expect(echo.body.map { String(buffer: $0) } == "w\(n)")
        }
        try await client.shutdown()
        #expect(stalled.count == 10)
    }
}

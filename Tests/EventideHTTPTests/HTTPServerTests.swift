import AsyncHTTPClient
import EventideHTTP
import Hummingbird
import Testing

/// A component that answers one route, to test the server itself.
private struct Echo: HTTPComponent {
    func register(on router: Router<EventideRequestContext>) {
        router.get("/echo/:word") { _, context in context.parameters.get("word") ?? "" }
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
}

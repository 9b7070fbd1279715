import Eventide
import EventideHTTP
import Foundation
import Hummingbird
import Synchronization
import Testing

/// An endpoint whose answers the test sets: `/health` answers `status` with `body`.
final class ScriptedHealth: HTTPComponent, Sendable {
    let answer = Mutex<(status: Int, body: String)>((503, #"{"status":"starting"}"#))
    let requests = Mutex(0)

    func register(on router: Router<EventideRequestContext>) {
        router.get("/health") { _, _ -> Response in
            self.requests.withLock { $0 += 1 }
            let (status, body) = self.answer.withLock { $0 }
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
    }
}

@Suite("HttpSensor against a real endpoint", .timeLimit(.minutes(2)))
struct HttpSensorTests {
    static let okOnly = HttpResponseCheck.json { body in
        body["status"] == "ok" ? .ready(body) : .notReady("status \(body["status"] ?? .null)")
    }

    @Test("5xx and a body the check refuses are retried; a 200 with the right body is ready and returned")
    func retriesThenReady() async throws {
        let health = ScriptedHealth()
        try await EventideHTTPServer(components: [health]).withRunning { server in
            let sensor = HttpSensor(url: server.baseURL + "/health", responseCheck: Self.okOnly)
            #expect(await sensor.probe(remaining: .seconds(5)) == .retry(.serverError(status: 503), detail: "HTTP 503"))
            health.answer.withLock { $0 = (200, #"{"status":"degraded"}"#) }
            #expect(await sensor.probe(remaining: .seconds(5)) == .retry(.notReady, detail: #"status "degraded""#))
            health.answer.withLock { $0 = (200, #"{"status":"ok","version":3}"#) }
            #expect(await sensor.probe(remaining: .seconds(5)) == .ready(["status": "ok", "version": 3]))
            #expect(health.requests.withLock { $0 } == 3)
        }
    }

    @Test("a 401 is fatal at once; a 404 is not there yet (Airflow's allowlist)")
    func fatalClientError() async throws {
        let health = ScriptedHealth()
        try await EventideHTTPServer(components: [health]).withRunning { server in
            let sensor = HttpSensor(url: server.baseURL + "/health")
            health.answer.withLock { $0 = (401, #"{"detail":"Not authenticated"}"#) }
            #expect(
                await sensor.probe(remaining: .seconds(5)) == .fatal(HttpSensorFailure(status: 401, detail: "HTTP 401"))
            )
            health.answer.withLock { $0 = (404, #"{"detail":"not found"}"#) }
            #expect(await sensor.probe(remaining: .seconds(5)) == .retry(.notReady, detail: "HTTP 404"))
        }
    }

    @Test("nothing listening is a connection error, retried")
    func connectionRefused() async throws {
        let port = try await EventideHTTPServer(components: []).withRunning { $0.port }  // free again once stopped
        let sensor = HttpSensor(url: "http://127.0.0.1:\(port)/health")
        let decision = await sensor.probe(remaining: .seconds(5))
        guard case .retry(.connectionFailed, _) = decision else {
            Issue.record("expected a connection failure, got \(decision)")
            return
        }
    }

    @Test("the deadline strategy cuts each request's timeout to the time left; unbounded it does not")
    func deadlineBoundsRequests() {
        let bounded = HttpSensor(url: "http://127.0.0.1:1/", requestTimeout: .seconds(10))
        #expect(bounded.requestTimeout(remaining: .seconds(2)) == .seconds(2))
        #expect(bounded.requestTimeout(remaining: .seconds(30)) == .seconds(10))
        #expect(bounded.requestTimeout(remaining: .zero) == .milliseconds(10))
        let unbounded = HttpSensor(url: "http://127.0.0.1:1/", requestTimeout: .seconds(10), boundedByDeadline: false)
        #expect(unbounded.requestTimeout(remaining: .seconds(2)) == .seconds(10))
    }

    @Test("the decision: connection errors, timeouts and 5xx retry; the check sees the rest")
    func decision() {
        let check = HttpResponseCheck.status
        #expect(
            HttpPokeDecision.decide(.connectionFailed(reason: "refused"), check: check)
                == .retry(.connectionFailed, detail: "refused"))
        #expect(
            HttpPokeDecision.decide(.timedOut(after: .seconds(1)), check: check)
                == .retry(.timedOut, detail: "no answer within 1.0 seconds"))
        #expect(
            HttpPokeDecision.decide(.response(.init(status: 502, body: "")), check: check)
                == .retry(.serverError(status: 502), detail: "HTTP 502"))
        #expect(HttpPokeDecision.decide(.response(.init(status: 200, body: "ready")), check: check) == .ready("ready"))
        #expect(
            HttpPokeDecision.decide(.response(.init(status: 403, body: "")), check: check)
                == .fatal(HttpSensorFailure(status: 403, detail: "HTTP 403")))
        #expect(
            HttpPokeDecision.decide(.response(.init(status: 429, body: "")), check: check)
                == .retry(.notReady, detail: "HTTP 429"))
    }
}

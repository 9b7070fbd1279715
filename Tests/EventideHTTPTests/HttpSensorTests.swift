import Eventide
import EventideHTTP
import EventideTesting
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

    @Test("a refused connection fails at the connect, not after the request timeout")
    func refusedConnectionIsQuick() async throws {
        let port = try await EventideHTTPServer(components: []).withRunning { $0.port }  // free again once stopped
        let sensor = HttpSensor(url: "http://127.0.0.1:\(port)/health", requestTimeout: .seconds(30))
        let started = ContinuousClock.now
        let decision = await sensor.probe(remaining: .seconds(60))
        let took = ContinuousClock.now - started
        guard case .retry(.connectionFailed, _) = decision else {
            Issue.record("expected a connection failure, got \(decision)")
            return
        }
        #expect(took < .seconds(15), "refused at once (the connect timeout is 1 s), not after the 30 s timeout")
        #expect(sensor.prober.connectTimeout == .seconds(1))
    }

    @Test("a sensor task retries refused connections like a 5xx, until its timeout (soft-failed: skipped)")
    func refusedConnectionRetriedByTask() async throws {
        let port = try await EventideHTTPServer(components: []).withRunning { $0.port }
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("http_sensor_refused"))
        let settings = SensorSettings(pokeInterval: .milliseconds(50), timeout: .seconds(1), softFail: true)
        let dag = try DAG(
            "wait_refused",
            tasks: [.sensor("wait_api", HttpSensor(url: "http://127.0.0.1:\(port)/health"), settings: settings)])
        try await orchestrator.register(dags: [dag])
        let run = try await orchestrator.withServices {
            let ref = try await orchestrator.scheduler.triggerRun("wait_refused")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "wait_refused", count: 1)
            return try #require(try await orchestrator.scheduler.run(ref))
        }
        #expect(run.task("wait_api")?.state == .skipped, "timed out (soft fail), not failed by the refusal")
        let progress = try await SensorProgress.read(
            run.ref, taskId: "wait_api", tryNumber: 1, in: orchestrator.database)
        #expect((progress?.pokes ?? 0) >= 3, "each refused poke was retried")
    }

    @Test("deferred, the trigger waits one poke interval after the worker's poke before its first request")
    func triggerWaitsBeforeFirstRequest() async throws {
        let health = ScriptedHealth()
        try await EventideHTTPServer(components: [health]).withRunning { server in
            let testClock = TestClock()
            let clock = EventideClock(testClock)
            let settings = SensorSettings(mode: .deferrable, pokeInterval: .seconds(30), timeout: .seconds(600))
            let trigger = HttpSensorTrigger(
                sensor: HttpSensor(url: server.baseURL + "/health", responseCheck: Self.okOnly), settings: settings,
                clock: clock, deadline: clock.now.advanced(by: .seconds(600)), afterPoke: 1)
            let events = Task { try await trigger.events().first { _ in true } }
            try await testClock.waitForSleepers(1)
            #expect(trigger.requests.current == 0, "no request right after the worker's own poke")
            await testClock.advance(by: .seconds(29))
            #expect(trigger.requests.current == 0)
            await testClock.advance(by: .seconds(1))
            // 503: waits again.
            try await Self.waitUntil { trigger.requests.current == 1 && testClock.sleeperCount == 1 }
            health.answer.withLock { $0 = (200, #"{"status":"ok"}"#) }
            await testClock.advance(by: .seconds(30))
            let event = try #require(try await events.value)
            #expect(event.payload == ["status": "ok"])
            #expect(trigger.requests.current == 2)
            #expect(health.requests.withLock { $0 } == 2)
        }
    }

    @Test("deferrable end to end: the task defers holding no slot, the trigger polls the endpoint, the task resumes")
    func deferrableEndToEnd() async throws {
        let health = ScriptedHealth()
        try await EventideHTTPServer(components: [health]).withRunning { server in
            let orchestrator = Orchestrator(database: try TemporaryDatabase.make("http_sensor_deferrable"))
            let settings = SensorSettings(mode: .deferrable, pokeInterval: .milliseconds(20), timeout: .seconds(60))
            let dag = try DAG(
                "wait_deferred",
                tasks: [
                    .sensor(
                        "wait_api", HttpSensor(url: server.baseURL + "/health", responseCheck: Self.okOnly),
                        settings: settings),
                    TaskDefinition("use_api", upstream: ["wait_api"]) { context in
                        TaskOutput(value: context.upstreamValues["wait_api"]?["version"] ?? .null)
                    },
                ])
            try await orchestrator.register(dags: [dag])
            let (run, heldWhileDeferred, requestsWhileDeferred) = try await orchestrator.withServices {
                let ref = try await orchestrator.scheduler.triggerRun("wait_deferred")
                try await Self.waitUntil {
                    try await orchestrator.scheduler.run(ref)?.task("wait_api")?.state == .deferred
                        && health.requests.withLock { $0 } >= 3  // the worker's poke and two of the trigger's
                }
                let held = orchestrator.executor.slots.snapshot().inUse
                let requests = health.requests.withLock { $0 }
                health.answer.withLock { $0 = (200, #"{"status":"ok","version":7}"#) }
                _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "wait_deferred", count: 1)
                return (try #require(try await orchestrator.scheduler.run(ref)), held, requests)
            }
            #expect(heldWhileDeferred == 0)
            #expect(requestsWhileDeferred >= 3)
            #expect(run.task("wait_api")?.state == .success)
            #expect(run.task("wait_api")?.returnValue == ["status": "ok", "version": 7])
            #expect(run.task("use_api")?.returnValue == 7)
            let progress = try await SensorProgress.read(
                run.ref, taskId: "wait_api", tryNumber: 1, in: orchestrator.database)
            #expect(progress?.pokes == 1, "the worker poked once; the trigger did the rest")
        }
    }

    static func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await WaitDeadline.seconds(30).enforce(waitingFor: "the sensor to reach the awaited state") {
            while try await !condition() { try await Task.sleep(for: .milliseconds(5)) }
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

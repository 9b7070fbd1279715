import Eventide
import EventideHTTP
import EventideTesting
import Testing

@testable import Ex95_03_03_http_endpoint_events

@Suite("95.3.3 HTTP Endpoint Events", .timeLimit(.minutes(5)))
struct HttpEndpointEventsTests {
    typealias Events = HttpEndpointEvents

    /// One run shared by the suite (the scenario takes several seconds).
    static let shared = Task { try await run() }

    static func run(_ configuration: Events.Configuration = .init()) async throws -> Events.Outcome {
        try await Events.run(configuration, database: TemporaryDatabase.make("95_03_03")).outcome
    }

    func strategy(_ strategy: Events.Strategy, in outcome: Events.Outcome) throws -> Events.StrategyResult {
        try #require(outcome.strategies.first { $0.strategy == strategy })
    }

    @Test("95.3.3/1 HttpSensor for API readiness: refused connections and 503s retried until ok; the version handed on")
    func apiReadiness() async throws {
        let poke = try await Self.shared.value.poke
        #expect(poke.refused >= 1, "the service did not listen yet: refused pokes were retried")
        #expect(poke.answers == [503, 503, 200, 200, 200], "2 starting, 2 warming, then ok (--ready-after-requests 4)")
        #expect(poke.sensorState == .success && poke.downstreamState == .success)
        #expect(poke.returned == ["version": "2.4.1"])
        #expect(poke.downstreamReturned == ["synced_with": "2.4.1"])
        #expect(poke.slotsHeldWhileWaiting == 1, "poke mode holds its slot while it waits")
    }

    @Test("95.3.3/2 Response validation: the check refuses a warming body, returns the version, marks 401 fatal")
    func responseCheck() {
        let check = Events.serviceReady.evaluate
        #expect(
            check(.init(status: 200, body: #"{"status":"warming"}"#)) == .notReady(#"not ready: {"status":"warming"}"#))
        #expect(check(.init(status: 200, body: #"{"status":"ok"}"#)) == .notReady(#"not ready: {"status":"ok"}"#))
        #expect(check(.init(status: 200, body: "<html>proxy</html>")) == .notReady("not ready: <html>proxy</html>"))
        #expect(check(.init(status: 200, body: #"{"status":"ok","version":"3"}"#)) == .ready(["version": "3"]))
        #expect(check(.init(status: 404, body: "")) == .notReady("HTTP 404"))
        guard case .fatal = check(.init(status: 401, body: "")) else {
            Issue.record("a 401 must be fatal")
            return
        }
    }

    @Test("95.3.3/2 a 4xx the check marks fatal fails the sensor at its first poke, not at the timeout")
    func fatalFailsAtOnce() async throws {
        let fatal = try await Self.shared.value.fatal
        #expect(fatal.answers == [401])
        #expect(fatal.pokes == 1)
        #expect(fatal.sensorState == .failed)
        #expect(fatal.downstreamState == .upstreamFailed)
        #expect(fatal.waitedMilliseconds < 30_000, "far below the 60 s timeout")
    }

    @Test("95.3.3/3 Deferrable HTTP sensing: one worker poke, the trigger polls the endpoint, no slot held")
    func deferrableSensing() async throws {
        let deferrable = try await Self.shared.value.deferrable
        #expect(deferrable.mode == .deferrable)
        #expect(deferrable.pokes == 1, "the worker poked once; the trigger sent the rest")
        #expect(deferrable.answers == [503, 503, 200, 200, 200])
        #expect(deferrable.slotsHeldWhileWaiting == 0)
        #expect(deferrable.sensorState == .success)
        #expect(deferrable.downstreamReturned == ["synced_with": "2.4.1"])
    }

    @Test("95.3.3/4 Timeout strategies: backoff sends fewer requests than a fixed interval; the deadline gives up")
    func timeoutStrategies() async throws {
        let outcome = try await Self.shared.value
        let (fixed, backoff, deadline) = (
            try strategy(.fixed, in: outcome), try strategy(.backoff, in: outcome), try strategy(.deadline, in: outcome)
        )
        #expect(fixed.sensorState == .success && backoff.sensorState == .success)
        // The schedules as the service saw them: on failure, whether one run stalled (fixed: a request every
        // 100 ms; backoff: the gaps double up to 800 ms).
        let schedules =
            "fixed at \(fixed.requestOffsetsMilliseconds.map { Int($0) }) ms, "
            + "backoff at \(backoff.requestOffsetsMilliseconds.map { Int($0) }) ms"
        #expect(backoff.requests < fixed.requests, "\(schedules)")
        #expect(fixed.detectedAfterMilliseconds != nil && backoff.detectedAfterMilliseconds != nil)
        #expect(deadline.sensorState == .skipped, "the overall deadline (500 ms) passed first: soft_fail skips")
        #expect(deadline.detectedAfterMilliseconds == nil)
        // At its 500 ms deadline; bounded by when the service became ready (3 s), not tighter, so that a loaded
        // machine's late wake-up is not taken for waiting on.
        #expect(
            deadline.waitedMilliseconds < Events.Configuration().readyAfter.inMilliseconds,
            "it stopped at its deadline, before the service was ready")
    }

    @Test("95.3.3/4 anti-pattern: a tight poke loop hammers the endpoint; an interval detects as well with far fewer")
    func tightLoopHammers() async throws {
        let outcome = try await Self.shared.value
        let (tight, fixed) = (try strategy(.tightLoop, in: outcome), try strategy(.fixed, in: outcome))
        #expect(tight.sensorState == .success)
        #expect(tight.requests >= 3 * fixed.requests, "tight: \(tight.requests), fixed: \(fixed.requests)")
    }

    @Test("95.3.3/expected HTTP events detected: every sensor that may wait detects readiness")
    func httpEventsDetected() async throws {
        let outcome = try await Self.shared.value
        for wait in [outcome.poke, outcome.deferrable] { #expect(wait.returned == ["version": "2.4.1"]) }
        let detected = outcome.strategies.filter { $0.detectedAfterMilliseconds != nil }.map(\.strategy)
        #expect(detected == [.tightLoop, .fixed, .backoff])
    }

    @Test("95.3.3 refuses a --db that an earlier run used")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore {
            try await Events.run(.init(readyAfter: .milliseconds(200), pokeInterval: .milliseconds(20)), database: $0)
        }
    }

    @Test(
        "95.3.3 bad flag values are refused",
        arguments: [
            ["--ready-after-requests", "1"], ["--ready-after-ms", "50"], ["--poke-interval", "0"],
            ["--poke-interval", "x"],
        ])
    func badFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try HttpEndpointEventsCommand.parse(arguments) }
    }
}

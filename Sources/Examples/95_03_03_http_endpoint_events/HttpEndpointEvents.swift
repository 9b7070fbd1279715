import Eventide
import EventideHTTP
import Foundation
import Hummingbird
import Synchronization

/// An HTTP readiness event: a catalog sync waits until the pricing service answers its health check with `ok`,
/// then reads the version the check extracted.
// Longer than one screen: the item starts its own endpoint (its readiness rules are part of the story) besides
// the check, the DAG and the four timeout strategies.
enum HttpEndpointEvents {
    // [START endpoint]
    /// The pricing service's `GET <path>`: 503 `starting`, then 200 `warming`, then 200 `ok` with its version once
    /// ready (after `readyAfterRequests` requests, or `readyAfter` past its first request). With a `token`, a
    /// request without `Authorization: Bearer <token>` gets 401.
    final class ServiceHealth: HTTPComponent, Sendable {
        enum Readiness: Sendable { case afterRequests(Int), afterTime(Duration) }
        struct Answer: Sendable { let number: Int, status: Int, state: String, at: Date }

        let path: String, readiness: Readiness, token: String?
        private let answers = Mutex<[Answer]>([])

        init(path: String, readiness: Readiness, token: String? = nil) {
            (self.path, self.readiness, self.token) = (path, readiness, token)
        }

        func register(on router: Router<EventideRequestContext>) {
            router.get(RouterPath(path)) { request, _ -> Response in
                let authorized = self.token.map { request.headers[.authorization] == "Bearer \($0)" } ?? true
                let (status, body) = self.answer(authorized: authorized)
                return Response(
                    status: .init(code: status), headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: body.jsonText)))
            }
        }

        func answer(authorized: Bool) -> (Int, JSONValue) {
            answers.withLock { answers in
                let now = Date(), number = answers.count + 1
                let (status, state): (Int, String) =
                    switch (authorized, readiness) {
                    case (false, _): (401, "unauthorized")
                    case (true, .afterRequests(let n)):
                        number > n ? (200, "ok") : number > n / 2 ? (200, "warming") : (503, "starting")
                    case (true, .afterTime(let wait)):
                        now.timeIntervalSince(answers.first?.at ?? now) >= wait.inSeconds
                            ? (200, "ok") : (503, "starting")
                    }
                answers.append(Answer(number: number, status: status, state: state, at: now))
                return (status, state == "ok" ? ["status": "ok", "version": "2.4.1"] : ["status": .string(state)])
            }
        }

        var answered: [Answer] { answers.withLock { $0 } }
    }
    // [END endpoint]

    // [START check]
    /// Airflow's `response_check`: ready only on `ok` with a version (which the sensor returns); a wrong
    /// credential is fatal, failing the sensor at once; anything else is "not yet". 5xx never reach it (retried).
    static let serviceReady = HttpResponseCheck { response in
        switch response.status {
        case 401, 403: return .fatal("HTTP \(response.status): the credentials are refused; waiting will not help")
        case 200: break
        default: return .notReady("HTTP \(response.status)")
        }
        guard let body = response.json, body["status"] == "ok", let version = body["version"] else {
            return .notReady("not ready: \(response.body)")
        }
        return .ready(["version": version])
    }
    // [END check]

    // [START dags]
    /// The sensor on the service's health URL, then the task that uses the version it returned.
    static func syncCatalog(_ dagId: String, url: String, headers: [String: String] = [:], settings: SensorSettings)
        throws -> DAG
    {
        let sensor = HttpSensor(url: url, headers: headers, responseCheck: serviceReady, requestTimeout: .seconds(5))
        return try DAG(
            dagId,
            tasks: [
                .sensor("wait_for_pricing", sensor, settings: settings),
                TaskDefinition("sync_catalog", upstream: ["wait_for_pricing"]) { context in
                    TaskOutput(value: ["synced_with": context.upstreamValues["wait_for_pricing"]?["version"] ?? .null])
                },
            ])
    }
    // [END dags]

    // [START strategies]
    /// How long and how often to wait. `tightLoop` is the anti-pattern: no interval, so it hammers the endpoint.
    enum Strategy: String, CaseIterable, Codable, Sendable {
        case tightLoop = "tight_loop", fixed, backoff, deadline

        func settings(interval: Duration) -> SensorSettings {
            switch self {
            case .tightLoop: SensorSettings(pokeInterval: .zero, timeout: .seconds(60))
            case .fixed: SensorSettings(pokeInterval: interval, timeout: .seconds(60))
            case .backoff:  // interval, 2×, 4×… up to max_wait
                SensorSettings(
                    pokeInterval: interval, timeout: .seconds(60), exponentialBackoff: true, maxWait: interval * 8)
            case .deadline:  // an overall deadline: give up (skip, soft_fail) rather than wait for ever
                SensorSettings(pokeInterval: interval, timeout: interval * 5, softFail: true)
            }
        }
    }
    // [END strategies]
}

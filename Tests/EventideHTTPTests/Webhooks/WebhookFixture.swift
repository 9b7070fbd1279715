import AsyncHTTPClient
import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import NIOCore
import NIOHTTP1

/// A scheduler on a test clock with two webhook sources — `github` (two secrets, a 1 KiB limit, a schema for
/// `push`) and `stripe` (one secret, the default 5-minute tolerance) — each feeding an asset a per-event DAG
/// waits on, so every accepted delivery creates one run (no executor: runs stay queued, the store tells).
struct WebhookFixture {
    static let current = WebhookSecret("current-secret", label: "current")
    static let previous = WebhookSecret("previous-secret", label: "previous")
    static let stripeSecret = WebhookSecret("whsec_test_secret", label: "stripe")
    static let pushSchema = ExtraSchema(
        name: "push", version: 1, fields: [.init("ref", .string), .init("after", .string)])

    let clock = TestClock()
    let scheduler: Scheduler
    let receiver: WebhookReceiver
    let repo: Asset
    let payments: Asset

    init(name: String = "webhooks", githubLimit: Int = 1024) async throws {
        scheduler = Scheduler(database: try TemporaryDatabase.make(name), clock: EventideClock(clock))
        repo = try Asset(uri: "webhook://github/acme/shop", name: "repo_events")
        payments = try Asset(uri: "webhook://stripe/acme", name: "payments")
        try await scheduler.register(
            [
                try DAG(
                    "on_push", schedule: .on([repo]), assetTriggering: .perEvent,
                    tasks: [TaskDefinition("build") { _ in .none }]),
                try DAG(
                    "on_payment", schedule: .on([payments]), assetTriggering: .perEvent,
                    tasks: [TaskDefinition("book") { _ in .none }]),
            ], assets: [repo, payments])
        receiver = try WebhookReceiver(
            scheduler: scheduler,
            sources: [
                .github(
                    "github", asset: repo.key, secrets: [Self.current, Self.previous], bodyLimit: githubLimit,
                    schemas: ["push": Self.pushSchema]),
                .stripe("stripe", asset: payments.key, secrets: [Self.stripeSecret]),
            ])
    }

    /// The receiver's clock's date, as the sender would stamp it.
    var now: Date { scheduler.clock.date }

    static func push(ref: String = "refs/heads/main", after: String = "abc123") -> String {
        #"{"ref":"\#(ref)","after":"\#(after)"}"#
    }

    /// GitHub's headers for `body`: delivery id, event type and the signature with `secret`.
    static func githubHeaders(
        _ body: String, delivery: String, event: String = "push", secret: WebhookSecret = current
    ) -> [(String, String)] {
        [
            ("X-GitHub-Delivery", delivery), ("X-GitHub-Event", event),
            WebhookSignatureScheme.github.signatureHeader(body: Array(body.utf8), secrets: [secret], at: Date()),
        ]
    }

    static func stripeEvent(id: String = "evt_1", type: String = "payment_intent.succeeded") -> String {
        #"{"id":"\#(id)","type":"\#(type)","data":{"object":{"amount":4200}}}"#
    }

    static func stripeHeaders(
        _ body: String, at date: Date, secrets: [WebhookSecret] = [stripeSecret]
    ) -> [(String, String)] {
        [WebhookSignatureScheme.stripe.signatureHeader(body: Array(body.utf8), secrets: secrets, at: date)]
    }

    func eventCount() async throws -> Int { try await scheduler.allAssetEvents().count }

    func runCount() async throws -> Int {
        try await scheduler.runs(of: "on_push").count + scheduler.runs(of: "on_payment").count
    }

    /// Runs `body` with the receiver served on 127.0.0.1 and a client for it.
    func serving<T: Sendable>(_ body: @escaping @Sendable (WebhookClient) async throws -> T) async throws -> T {
        try await EventideHTTPServer(components: [receiver]).withRunning { running in
            let client = WebhookClient(baseURL: running.baseURL)
            do {
                let result = try await body(client)
                try await client.http.shutdown()
                return result
            } catch {
                try? await client.http.shutdown()
                throw error
            }
        }
    }
}

/// What a test sends and what it gets back.
struct WebhookClient: Sendable {
    struct Answer: Sendable {
        let status: Int
        let body: String

        var receipt: WebhookReceipt? { try? WebhookReceipt.decode(body) }
        var detail: JSONValue? { (try? JSONValue.parse(body))?["detail"] }
    }

    let baseURL: String
    let http = HTTPClient(eventLoopGroupProvider: .singleton)

    func post(_ path: String, body: String, headers: [(String, String)]) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: body))
    }
}

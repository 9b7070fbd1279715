import AsyncHTTPClient
import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite(.timeLimit(.minutes(3)))
struct WebhookReceiverTests {
    typealias Fixture = WebhookFixture

    /// `text` as a request body that has ended.
    static func finished(_ text: String) -> AsyncStream<ByteBuffer> {
        let (stream, input) = AsyncStream<ByteBuffer>.makeStream()
        input.yield(ByteBuffer(string: text))
        input.finish()
        return stream
    }

    @Test func aSignedDeliveryBecomesAnAssetEventAnsweredAfterTheCommit() async throws {
        let fixture = try await Fixture()
        let body = Fixture.push()
        let answer = try await fixture.serving { client in
            try await client.post("/webhooks/github", body: body, headers: Fixture.githubHeaders(body, delivery: "d-1"))
        }
        #expect(answer.status == 202)
        let receipt = try #require(answer.receipt)
        #expect(!receipt.duplicate && receipt.deliveryId == "d-1" && receipt.source == "github")
        #expect(receipt.uri == fixture.repo.uri && receipt.name == fixture.repo.name)
        #expect(receipt.queuedFor == ["on_push"])
        // The answer names what is already committed: the event and the run it created.
        let events = try await fixture.scheduler.allAssetEvents()
        let event = try #require(events.first)
        #expect(events.count == 1 && event.id == receipt.eventId)
        #expect(event.source == .watcher(name: "webhook:github", messageId: "d-1"))
        #expect(event.extra["from_trigger"] == true)
        #expect(event.extra["payload"] == ["ref": "refs/heads/main", "after": "abc123"])
        #expect(event.extra["source"] == "github" && event.extra["delivery_id"] == "d-1")
        #expect(event.extra["event_type"] == "push" && event.extra["verified_by"] == "current")
        let runs = try await fixture.scheduler.runs(of: "on_push")
        #expect(receipt.createdDagruns == runs.map { .init(dagId: $0.dagId, dagRunId: $0.runId) })
        #expect(runs.count == 1 && runs.first?.triggeringAssetEvents.map(\.id) == [event.id])
        let delivery = try #require(WebhookDelivery(extra: event.extra))
        #expect(delivery.id == "d-1" && delivery.eventType == "push" && delivery.payload["ref"] == "refs/heads/main")
    }

    @Test func aRepeatedDeliveryIdAnswersTheFirstEventAndRecordsNothing() async throws {
        let fixture = try await Fixture()
        let first = Fixture.push(after: "aaa"), retry = Fixture.push(after: "bbb")
        let (a, b) = try await fixture.serving { client in
            let a = try await client.post(
                "/webhooks/github", body: first, headers: Fixture.githubHeaders(first, delivery: "d-7"))
            let b = try await client.post(
                "/webhooks/github", body: retry, headers: Fixture.githubHeaders(retry, delivery: "d-7"))
            return (a, b)
        }
        #expect(a.status == 202 && b.status == 200)
        let original = try #require(a.receipt), repeated = try #require(b.receipt)
        #expect(repeated.duplicate && repeated.eventId == original.eventId)
        #expect(repeated.createdDagruns.isEmpty && original.createdDagruns.count == 1)
        #expect(try await fixture.eventCount() == 1)
        #expect(try await fixture.runCount() == 1)
        #expect(try await fixture.scheduler.allAssetEvents().first?.extra["payload"]?["after"] == "aaa")
    }

    @Test func concurrentDuplicateDeliveriesRecordOneEvent() async throws {
        let fixture = try await Fixture()
        let body = Fixture.push()
        let answers = try await fixture.serving { client in
            try await withThrowingTaskGroup(of: WebhookClient.Answer.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.post(
                            "/webhooks/github", body: body, headers: Fixture.githubHeaders(body, delivery: "d-same"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(answers.map(\.status).sorted() == [200, 200, 200, 200, 200, 200, 200, 202])
        #expect(Set(answers.compactMap { $0.receipt?.eventId }).count == 1)
        #expect(answers.compactMap(\.receipt).filter { !$0.duplicate }.count == 1)
        #expect(try await fixture.eventCount() == 1)
        #expect(try await fixture.runCount() == 1)
    }

    @Test func everyRefusalAnswersItsStatusAndRecordsNothing() async throws {
        let fixture = try await Fixture()
        let push = Fixture.push()
        let stranger = WebhookSecret("stranger", label: "stranger")
        let unsigned = [("X-GitHub-Delivery", "d-2"), ("X-GitHub-Event", "push")]
        let refusals: [(String, String, [(String, String)], Int)] = [
            ("/webhooks/gitlab", push, Fixture.githubHeaders(push, delivery: "d-1"), 404),
            ("/webhooks/github", push, unsigned, 401),
            ("/webhooks/github", push, Fixture.githubHeaders(push, delivery: "d-3", secret: stranger), 401),
            ("/webhooks/github", push, unsigned + [("X-Hub-Signature-256", "sha256=00")], 401),
            ("/webhooks/github", #"{"ref": "#, Fixture.githubHeaders(#"{"ref": "#, delivery: "d-4"), 400),
            ("/webhooks/github", "[1,2]", Fixture.githubHeaders("[1,2]", delivery: "d-5"), 400),
            ("/webhooks/github", push, Array(Fixture.githubHeaders(push, delivery: "d-6").dropFirst()), 400),
            (
                "/webhooks/github", #"{"after":"abc"}"#, Fixture.githubHeaders(#"{"after":"abc"}"#, delivery: "d-7"),
                422
            ),
            (
                "/webhooks/github", String(repeating: " ", count: 2000) + push,
                Fixture.githubHeaders(String(repeating: " ", count: 2000) + push, delivery: "d-8"), 413
            ),
            (
                "/webhooks/stripe", Fixture.stripeEvent(),
                Fixture.stripeHeaders(Fixture.stripeEvent(), at: fixture.now.addingTimeInterval(-301)), 400
            ),
        ]
        let statuses = try await fixture.serving { client in
            var statuses: [Int] = []
            for (path, body, headers, _) in refusals {
                let answer = try await client.post(path, body: body, headers: headers)
                #expect(answer.detail != nil, "an Airflow-shaped error body")
                statuses.append(answer.status)
            }
            return statuses
        }
        #expect(statuses == refusals.map(\.3))
        #expect(try await fixture.eventCount() == 0)
        #expect(try await fixture.runCount() == 0)
    }

    @Test func refusalsAreTypedByWhatWentWrong() async throws {
        let fixture = try await Fixture()
        func refusal(_ source: String, _ body: String, _ fields: [(String, String)]) async -> WebhookError? {
            var headers = HTTPFields()
            for (name, value) in fields { if let name = HTTPField.Name(name) { headers[name] = value } }
            do {
                _ = try await fixture.receiver.receive(source: source, headers: headers, body: Self.finished(body))
                return nil
            } catch { return error as? WebhookError }
        }
        let truncated = #"{"ref": "#
        guard
            case .malformedJSON(let reason)? = await refusal(
                "github", truncated, Fixture.githubHeaders(truncated, delivery: "d-1"))
        else { Issue.record("expected malformedJSON"); return }
        #expect(!reason.isEmpty && !reason.contains("DecodingError"), "the parser's reason, unwrapped")
        #expect(
            await refusal("github", "[1]", Fixture.githubHeaders("[1]", delivery: "d-2"))
                == .payloadNotAnObject(found: "array"))
        let push = Fixture.push()
        #expect(
            await refusal("github", push, Array(Fixture.githubHeaders(push, delivery: "d-3").dropFirst()))
                == .missingDeliveryId(.header("X-GitHub-Delivery")))
        let noRef = #"{"after":"abc"}"#
        #expect(
            await refusal("github", noRef, Fixture.githubHeaders(noRef, delivery: "d-4"))
                == .payloadRejected(eventType: "push", violations: ["'ref' is missing (string required)"]))
        // A type without a schema is accepted as it is.
        #expect(await refusal("github", noRef, Fixture.githubHeaders(noRef, delivery: "d-5", event: "ping")) == nil)
        let noId = #"{"type":"charge.succeeded"}"#
        #expect(
            await refusal("stripe", noId, Fixture.stripeHeaders(noId, at: fixture.now))
                == .missingDeliveryId(.payload("id")))
        #expect(await refusal("gitlab", push, []) == .unknownSource("gitlab"))
        #expect(try await fixture.eventCount() == 1, "only the ping")
    }

    @Test func rotatedSecretsBothVerifyUntilTheOldIsRetired() async throws {
        let fixture = try await Fixture()
        let body = Fixture.push()
        let statuses = try await fixture.serving { client in
            var statuses: [Int] = []
            for (delivery, secret) in [("d-1", Fixture.current), ("d-2", Fixture.previous)] {
                statuses.append(
                    try await client.post(
                        "/webhooks/github", body: body,
                        headers: Fixture.githubHeaders(body, delivery: delivery, secret: secret)
                    ).status)
            }
            try fixture.receiver.rotateSecrets(of: "github", to: [Fixture.current])
            for (delivery, secret) in [("d-3", Fixture.previous), ("d-4", Fixture.current)] {
                statuses.append(
                    try await client.post(
                        "/webhooks/github", body: body,
                        headers: Fixture.githubHeaders(body, delivery: delivery, secret: secret)
                    ).status)
            }
            return statuses
        }
        #expect(statuses == [202, 202, 401, 202])
        let events = try await fixture.scheduler.allAssetEvents()
        #expect(events.map { $0.extra["verified_by"] } == ["current", "previous", "current"])
        #expect(events.map { $0.extra["delivery_id"] } == ["d-1", "d-2", "d-4"])
        #expect(throws: WebhookConfigurationError.unknownSource("gitlab")) {
            try fixture.receiver.rotateSecrets(of: "gitlab", to: [Fixture.current])
        }
        #expect(throws: WebhookConfigurationError.noSecrets(source: "github")) {
            try fixture.receiver.rotateSecrets(of: "github", to: [])
        }
    }

    @Test func theToleranceIsMeasuredByTheInjectedClock() async throws {
        let fixture = try await Fixture()
        let start = fixture.now
        @Sendable func send(_ client: WebhookClient, id: String, signedAt date: Date) async throws -> Int {
            let body = Fixture.stripeEvent(id: id)
            return try await client.post("/webhooks/stripe", body: body, headers: Fixture.stripeHeaders(body, at: date))
                .status
        }
        let statuses = try await fixture.serving { client in
            var statuses = [
                try await send(client, id: "evt_edge", signedAt: start.addingTimeInterval(-300)),
                try await send(client, id: "evt_late", signedAt: start.addingTimeInterval(-301)),
                try await send(client, id: "evt_ahead", signedAt: start.addingTimeInterval(300)),
                try await send(client, id: "evt_far", signedAt: start.addingTimeInterval(301)),
            ]
            // Ten minutes pass on the receiver's clock: what was fresh is now stale.
            await fixture.clock.advance(by: .seconds(600))
            statuses.append(try await send(client, id: "evt_old", signedAt: start))
            statuses.append(try await send(client, id: "evt_new", signedAt: fixture.now))
            return statuses
        }
        #expect(statuses == [202, 400, 202, 400, 400, 202])
        let ids = try await fixture.scheduler.allAssetEvents().map { $0.extra["delivery_id"] }
        #expect(ids == ["evt_edge", "evt_ahead", "evt_new"])
    }

    @Test func aDeclaredLengthOverTheLimitIsRefusedBeforeTheBodyArrives() async throws {
        let fixture = try await Fixture()
        // Over HTTP: 10 MB declared, 16 bytes sent, the rest never comes — the 413 arrives anyway.
        let (chunks, input) = AsyncStream<ByteBuffer>.makeStream()
        input.yield(ByteBuffer(string: #"{"ref":"refs/he"#))
        let answer = try await fixture.serving { client in
            var request = HTTPClientRequest(url: client.baseURL + "/webhooks/github")
            request.method = .POST
            request.body = .stream(chunks, length: .known(Int64(10_000_000)))
            let sent = request
            return try await WaitDeadline.seconds(20).enforce(waitingFor: "the 413 while the body is unsent") {
                try await client.send(sent)
            }
        }
        input.finish()
        #expect(answer.status == 413)
        #expect(answer.detail == .string(WebhookError.bodyTooLarge(limit: 1024, declared: 10_000_000).description))
        // In process: a body that never ends is not read at all.
        let (never, _) = AsyncStream<ByteBuffer>.makeStream()
        let refused = await #expect(throws: WebhookError.self) {
            try await WaitDeadline.seconds(20).enforce(waitingFor: "the refusal without reading") {
                try await fixture.receiver.receive(
                    source: "github", headers: [.contentLength: "1025"], body: never)
            }
        }
        #expect(refused == .bodyTooLarge(limit: 1024, declared: 1025))
        #expect(try await fixture.eventCount() == 0)
    }

    @Test func aBodyWithoutALengthIsCutAtTheLimit() async throws {
        let fixture = try await Fixture()
        // 1,025 bytes of an endless body: the receiver stops there instead of waiting for the end.
        let (chunks, input) = AsyncStream<ByteBuffer>.makeStream()
        input.yield(ByteBuffer(repeating: UInt8(ascii: " "), count: 1000))
        input.yield(ByteBuffer(repeating: UInt8(ascii: " "), count: 25))
        let refused = await #expect(throws: WebhookError.self) {
            try await WaitDeadline.seconds(20).enforce(waitingFor: "the refusal at the limit") {
                try await fixture.receiver.receive(source: "github", headers: [:], body: chunks)
            }
        }
        input.finish()
        #expect(refused == .bodyTooLarge(limit: 1024, declared: nil))
        // Over HTTP, chunked (no Content-Length): the same 413.
        let body = String(repeating: " ", count: 4096)
        let answer = try await fixture.serving { client in
            var request = HTTPClientRequest(url: client.baseURL + "/webhooks/github")
            request.method = .POST
            for (name, value) in Fixture.githubHeaders(body, delivery: "d-1") {
                request.headers.add(name: name, value: value)
            }
            let parts = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<4 { continuation.yield(ByteBuffer(string: String(repeating: " ", count: 1024))) }
                continuation.finish()
            }
            request.body = .stream(parts, length: .unknown)
            return try await client.send(request)
        }
        #expect(answer.status == 413)
        #expect(answer.detail == .string(WebhookError.bodyTooLarge(limit: 1024, declared: nil).description))
        #expect(try await fixture.eventCount() == 0)
    }

    @Test func anUndeclaredAssetIsAServerErrorThatRecordsNothing() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("webhooks-undeclared"))
        let asset = AssetKey(name: "nowhere", uri: "webhook://nowhere")
        let receiver = try WebhookReceiver(
            scheduler: scheduler, sources: [.github("github", asset: asset, secrets: [Fixture.current])])
        let body = Fixture.push()
        var headers = HTTPFields()
        for (name, value) in Fixture.githubHeaders(body, delivery: "d-1") {
            headers[try #require(HTTPField.Name(name))] = value
        }
        let refused = await #expect(throws: WebhookError.self) {
            try await receiver.receive(source: "github", headers: headers, body: Self.finished(body))
        }
        #expect(refused == .assetNotDeclared(source: "github", asset: asset))
        #expect(try await scheduler.allAssetEvents().isEmpty)
        #expect(throws: WebhookConfigurationError.duplicateSource("github")) {
            try WebhookReceiver(
                scheduler: scheduler,
                sources: [
                    .github("github", asset: asset, secrets: [Fixture.current]),
                    .stripe("github", asset: asset, secrets: [Fixture.current]),
                ])
        }
    }
}

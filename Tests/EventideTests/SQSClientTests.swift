import Eventide
import EventideAWS
import EventideSQS
import EventideTesting
import Foundation
import Testing

/// Against moto's SQS on 127.0.0.1:5000 (`scripts/servers up`; `.ci/run` starts it and fails if it cannot).
@Suite(
    "SQS client against moto",
    .enabled(if: LocalServer.moto.isRunning, "moto is not running on 127.0.0.1:5000; start it with scripts/servers up"),
    .timeLimit(.minutes(3)))
struct SQSClientTests {
    let client = SQSClient(
        endpoint: LocalServer.moto.url,
        credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))

    func queueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    @Test("a message round-trips with its attributes through a long poll, and is gone once deleted")
    func roundTrip() async throws {
        let queue = try await client.createQueue(queueName("round-trip"))
        let id = try await client.send(queue, body: #"{"order": 7}"#, attributes: ["type": "order.placed"])
        let received = try await client.receive(queue, waitSeconds: 2)
        let message = try #require(received.first)
        #expect(received.count == 1)
        #expect(message.messageId == id && message.body == #"{"order": 7}"#)
        #expect(message.messageAttributes == ["type": "order.placed"])
        #expect(message.receiveCount == 1)
        try await client.delete(queue, receiptHandle: message.receiptHandle)
        #expect(try await client.attributes(queue)["ApproximateNumberOfMessages"] == "0")
        #expect(try await client.receive(queue, waitSeconds: 1, visibilityTimeout: 0).isEmpty)
    }

    @Test("a received message is invisible for its visibility timeout, then delivered again with a higher count")
    func visibilityTimeout() async throws {
        let queue = try await client.createQueue(queueName("visibility"))
        try await client.send(queue, body: "once")
        let first = try #require(try await client.receive(queue, waitSeconds: 1, visibilityTimeout: 1).first)
        #expect(try await client.receive(queue).isEmpty, "invisible while the first receiver holds it")
        let again = try #require(try await client.receive(queue, waitSeconds: 3).first, "visible again after 1 s")
        #expect(again.messageId == first.messageId)
        #expect(again.receiveCount == 2)
        try await client.changeVisibility(queue, receiptHandle: again.receiptHandle, seconds: 0)
        #expect(try await client.receive(queue, waitSeconds: 1).first?.receiveCount == 3, "released at once (nack)")
    }

    @Test("after maxReceiveCount receives without a delete, SQS redrives the message to the dead-letter queue")
    func redriveToDeadLetterQueue() async throws {
        let dlq = try await client.createQueue(queueName("orders-dlq"))
        let arn = try #require(try await client.attributes(dlq, names: ["QueueArn"])["QueueArn"])
        let queue = try await client.createQueue(
            queueName("orders"),
            attributes: [
                "RedrivePolicy": SQSClient.redrivePolicy(deadLetterQueueArn: arn, maxReceiveCount: 2)
            ])
        try await client.send(queue, body: "poison")
        for attempt in 1...2 {
            let message = try #require(try await client.receive(queue, waitSeconds: 1, visibilityTimeout: 0).first)
            #expect(message.receiveCount == attempt)  // a handler failed: not deleted
        }
        #expect(try await client.receive(queue, waitSeconds: 1, visibilityTimeout: 0).isEmpty)
        let deadLettered = try await client.receive(dlq, waitSeconds: 2)
        #expect(deadLettered.map(\.body) == ["poison"])
    }

    @Test("batch send and batch delete report the entries SQS accepted")
    func batches() async throws {
        let queue = try await client.createQueue(queueName("batch"))
        let sent = try await client.sendBatch(queue, (1...5).map { (id: "m\($0)", body: "body \($0)") })
        #expect(sent.sorted() == ["m1", "m2", "m3", "m4", "m5"])
        var received: [SQSMessage] = []
        while received.count < 5 {
            let batch = try await client.receive(queue, maxMessages: 10, waitSeconds: 1)
            if batch.isEmpty { break }
            received += batch
        }
        #expect(Set(received.map(\.body)) == Set((1...5).map { "body \($0)" }))
        let deleted = try await client.deleteBatch(
            queue, received.enumerated().map { (id: "d\($0.offset)", receiptHandle: $0.element.receiptHandle) })
        #expect(deleted.count == 5)
    }

    @Test("errors are typed: an unknown queue is a service error, a closed port is unreachable")
    func errors() async throws {
        await #expect(throws: SQSError.self) {
            try await client.queueURL("no-such-queue-\(UUID().uuidString.prefix(6))")
        }
        do {
            _ = try await client.queueURL("no-such-queue")
            Issue.record("expected QueueDoesNotExist")
        } catch let SQSError.service(code, _, status) {
            #expect(code == "QueueDoesNotExist" && status == 400)
        }
        let closed = SQSClient(
            endpoint: URL(string: "http://127.0.0.1:1")!,
            credentials: AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), retry: .none)
        do {
            _ = try await closed.createQueue("x")
            Issue.record("expected unreachable")
        } catch let error as SQSError {
            guard case .unreachable = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains("scripts/servers up"))
        }
    }

    /// A private moto on a free port, so that killing it disturbs no other test.
    static func privateMoto() throws -> SpawnedServer {
        let port = try FreePort.find()
        return SpawnedServer(
            name: "moto-\(port)", port: port, command: ["moto_server", "-H", "127.0.0.1", "-p", "\(port)"])
    }

    @Test("a request sent while moto is down is retried with backoff and succeeds once moto is back (issue 14)")
    func retriedAcrossRestart() async throws {
        let moto = try Self.privateMoto()
        try await moto.start()
        defer { moto.kill() }
        let client = SQSClient(
            endpoint: moto.server.url, credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"),
            retry: ReconnectBackoff(
                initialDelay: .milliseconds(50), maximumDelay: .milliseconds(500),
                deadline: .seconds(60)))
        _ = try await client.createQueue("orders")
        moto.kill()
        #expect(!moto.server.isRunning)
        // Sent now, against the killed server: refused until the restart below (moto takes over a second to start).
        async let created = client.createQueue("orders")  // moto keeps no state: the queue is created again
        try await moto.start()
        let queue = try await created
        try await client.send(queue, body: "after the outage")
        #expect(try await client.receive(queue, waitSeconds: 1).map(\.body) == ["after the outage"])
    }

    @Test(
        "with the server down past the retry deadline, the request fails with a typed unreachable error, in bounded time"
    )
    func outageBeyondDeadline() async throws {
        let moto = try Self.privateMoto()  // never started: nothing listens on its port
        let client = SQSClient(
            endpoint: moto.server.url, credentials: AWSCredentials(accessKeyId: "a", secretAccessKey: "b"),
            retry: ReconnectBackoff(
                initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200),
                deadline: .seconds(1)))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { _ = try await client.createQueue("x") } throws: { error in
            if case SQSError.unreachable = error { true } else { false }
        }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed >= .milliseconds(20), "it retried before giving up")
        #expect(elapsed < .seconds(10), "it gave up near its deadline, not never")
    }
}

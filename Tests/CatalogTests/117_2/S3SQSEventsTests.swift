import Eventide
import EventideAWS
import EventideCLI
import EventideS3
import EventideTesting
import Testing

@testable import Ex117_02_03_s3_sqs_events

@Suite("117.2.3 S3 Event Notifications via SQS", .timeLimit(.minutes(10)))
struct S3SQSEventsTests {
    typealias Example = S3SQSEvents

    func runEmbedded(_ database: EventideDatabase? = nil) async throws -> Example.Outcome {
        let database = try database ?? TemporaryDatabase.make("117_02_03")
        let queues = EmbeddedQueue(database: database)
        let store = EmbeddedObjectStore(folder: try database.folder("buckets"), queues: queues)
        return try await Example.run(.init(), store: store, queues: queues, database: database).outcome
    }

    func moto() -> (store: S3ObjectStore, queues: any QueueService) {
        let queues = Moto.service()
        let store = S3ObjectStore(
            client: S3Client(
                endpoint: LocalServer.moto.url,
                credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
            queues: queues)
        return (store, queues)
    }

    func runOnMoto() async throws -> Example.Outcome {
        let (store, queues) = moto()
        return try await Example.run(
            .init(bucket: Moto.queue("landing"), queue: Moto.queue("landing-events")),
            store: store, queues: queues, database: try TemporaryDatabase.make("117_02_03-s3")
        ).outcome
    }

    let expectedKeys = ["incoming/orders 2026-11-23.csv", "incoming/customers.csv", "incoming/customers.csv"]

    @Test("117.2.3/1 the bucket notifies the queue only for keys its rule matches; S3's test event is dropped")
    func bucketNotifications() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.map(\.key) == expectedKeys)
        #expect(outcome.notNotified == ["incoming/readme.txt", "archive/orders 2026-11-22.csv"])
        #expect(outcome.queuedAtStart == 5, "S3's test event, 3 notifications and the stray message")
        #expect(outcome.eventsSeen == 4, "3 records and the stray message; the s3:TestEvent never became an event")
        #expect(outcome.queueLeft == 0)
        _ = try ExampleProcess.checkCommandLine(
            "117_02_03_s3_sqs_events", item: "117.2.3",
            badArguments: ["--bucket", "Bad_Bucket"], expectInError: "--bucket")
        let empty = try ExampleProcess.run("117_02_03_s3_sqs_events", ["--queue", ""])
        #expect(empty.status != 0 && empty.stderr.contains("--queue"))
    }

    @Test(
        "117.2.3/1 on moto, S3 itself publishes the notifications to SQS and the same files arrive",
        .enabled(if: Moto.enabled, Moto.reason))
    func onS3() async throws {
        let outcome = try await runOnMoto()
        #expect(outcome.arrivals.map(\.key) == expectedKeys, "moto's notifications, keys decoded")
        #expect(outcome.arrivals.allSatisfy { $0.etag == $0.etagAtUpload && $0.eventName.hasPrefix("ObjectCreated:") })
        #expect(
            outcome.arrivals.map(\.rowsLoaded) == [3, nil, 5] && outcome.deadLetters.count == 1
                && outcome.queueLeft == 0)
        #expect(outcome.store == "S3 at http://127.0.0.1:5000")
    }

    @Test(
        "117.2.3/2 notification JSON is parsed from the queue; a message that is not one is dead-lettered with the reason"
    )
    func parseNotifications() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.count == 3)
        let letter = try #require(outcome.deadLetters.first)
        #expect(outcome.deadLetters.count == 1)
        #expect(
            try letter.undecodableBody.map(JSONValue.parse) == JSONValue.parse(#"{"hello": "not an S3 event"}"#),
            "the stray message, kept")
        #expect(!letter.reason.isEmpty)
    }

    @Test("117.2.3/3 each arrival carries the bucket, the decoded key, the size, the put's ETag and the event name")
    func extractFields() async throws {
        let outcome = try await runEmbedded()
        try #require(outcome.arrivals.count == 3)
        for (arrival, upload) in zip(outcome.arrivals, [0, 1, 4].map { Example.uploads[$0] }) {
            #expect(arrival.bucket == "landing" && arrival.key == upload.key)
            #expect(arrival.size == Example.csv(rows: upload.rows).count)
            #expect(arrival.eventName == "ObjectCreated:Put")
            #expect(arrival.etag == arrival.etagAtUpload && arrival.etag.count == 32)
        }
        #expect(outcome.arrivals[1].etag != outcome.arrivals[2].etag, "the overwrite is a new version")
    }

    @Test(
        "117.2.3/4 each arrival runs the load DAG on its own version; a version overwritten before its run is skipped")
    func triggerOnArrival() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.map(\.runState) == [.success, .success, .success])
        #expect(
            outcome.arrivals.map(\.loadState) == [.success, .skipped, .success],
            "customers.csv was overwritten before its first arrival's run")
        #expect(outcome.arrivals.map(\.rowsLoaded) == [3, nil, 5])
        // The load step against a store whose object changed after the event.
        let database = try TemporaryDatabase.make("117_02_03-load")
        let store = EmbeddedObjectStore(
            folder: try database.folder("buckets"), queues: EmbeddedQueue(database: database))
        try await store.createBucket("landing")
        let first = try await store.putObject(bucket: "landing", key: "incoming/a.csv", body: Example.csv(rows: 2))
        let second = try await store.putObject(bucket: "landing", key: "incoming/a.csv", body: Example.csv(rows: 7))
        let arrival = { (etag: String) -> [String: JSONValue] in
            ["bucket": "landing", "key": "incoming/a.csv", "etag": .string(etag)]
        }
        await #expect(throws: TaskSkipped.self) { _ = try await Example.load(arrival(first), from: store) }
        #expect(try await Example.load(arrival(second), from: store).value["rows"] == 7)
        await #expect(throws: Example.LoadError.noBucketOrKey) { _ = try await Example.load([:], from: store) }
    }

    @Test("117.2.3/1 a --db an earlier run used is refused before anything is put, sent or received")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in try await runEmbedded(database) }
    }

    @Test(
        "117.2.3/1 on moto, a notification queue that still holds messages is refused, and they are left as they were",
        .enabled(if: Moto.enabled, Moto.reason))
    func refusesQueueWithMessages() async throws {
        let (store, queues) = moto()
        let queue = Moto.queue("landing-events")
        try await Example.notificationQueue(queue, on: queues)
        _ = try await queues.send(queue, body: "left by an earlier run", attributes: [:])
        let error = await #expect(throws: ExampleError.self) {
            _ = try await Example.run(
                .init(bucket: Moto.queue("landing"), queue: queue), store: store, queues: queues,
                database: try TemporaryDatabase.make("117_02_03-used"))
        }
        guard case .queueNotEmpty(_, let messages) = error else {
            Issue.record("expected ExampleError.queueNotEmpty, got \(String(describing: error))")
            return
        }
        #expect(messages == 1)
        let counts = try await queues.counts(queue)
        #expect(counts.visible == 1 && counts.inFlight == 0, "nothing received, nothing deleted")
    }
}

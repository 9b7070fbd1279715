import Crypto
import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import EventideTesting
import Foundation
import Testing

/// S3 and SQS triggers against moto on 127.0.0.1:5000 (`scripts/servers up`; `.ci/run` starts it and fails if it cannot).
@Suite(
    "S3 and SQS triggers against moto",
    .enabled(if: LocalServer.moto.isRunning, "moto is not running on 127.0.0.1:5000; start it with scripts/servers up"),
    .timeLimit(.minutes(3)))
struct S3NotificationTriggerTests {
    let credentials = AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")
    var sqs: SQSClient { SQSClient(endpoint: LocalServer.moto.url, credentials: credentials) }
    var s3: S3Client { S3Client(endpoint: LocalServer.moto.url, credentials: credentials) }

    func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A bucket whose object-created events under `landing/` go to a queue with a dead-letter queue.
    func bucketWithNotifications() async throws -> (bucket: String, queue: String, queueURL: String, dlqURL: String) {
        let bucket = unique("lake"), queue = unique("lake-events")
        let dlqURL = try await sqs.createQueue(queue + "-dlq")
        let dlqArn = try #require(try await sqs.attributes(dlqURL, names: ["QueueArn"])["QueueArn"])
        let queueURL = try await sqs.createQueue(
            queue,
            attributes: [
                "RedrivePolicy": SQSClient.redrivePolicy(deadLetterQueueArn: dlqArn, maxReceiveCount: 5)
            ])
        let arn = try #require(try await sqs.attributes(queueURL, names: ["QueueArn"])["QueueArn"])
        try await s3.createBucket(bucket)
        try await s3.putBucketNotification(bucket: bucket, queueArn: arn, prefix: "landing/")
        return (bucket, queue, queueURL, dlqURL)
    }

    func orchestrator(watching asset: Asset, with watcher: AssetWatcher) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("s3"))
        let watched = asset.watched(by: [watcher])
        let dag = try DAG("ingest", schedule: .on([watched]), tasks: [TaskDefinition("load") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        return orchestrator
    }

    @Test(
        "put object returns the body's MD5 as ETag and the object reads back; a missing bucket is a typed service error"
    )
    func objects() async throws {
        let bucket = unique("objects")
        try await s3.createBucket(bucket)
        let etag = try await s3.putObject(bucket: bucket, key: "a dir/ü+1.csv", body: Data("hello".utf8))
        #expect(etag == "5d41402abc4b2a76b9719d911017c592")
        #expect(try await s3.getObject(bucket: bucket, key: "a dir/ü+1.csv") == Data("hello".utf8))
        await #expect {
            try await s3.putObject(bucket: unique("missing"), key: "k", body: Data())
        } throws: { error in
            guard case S3Error.service(let code, _, let status) = error else { return false }
            return code == "NoSuchBucket" && status == 404
        }
    }

    @Test(
        "an object put into the bucket arrives as an S3 record and becomes a file-arrival asset event; the message is deleted only after the commit"
    )
    func fileArrival() async throws {
        let (bucket, queue, queueURL, _) = try await bucketWithNotifications()
        let asset = try Asset(uri: "s3://\(bucket)/landing")
        let trigger = try TriggerRegistry().registering(S3NotificationTrigger.factory(credentials: credentials))
            .trigger(for: "s3+sqs://127.0.0.1:\(LocalServer.moto.port)/\(queue)?wait=1")
        let orchestrator = try await orchestrator(
            watching: asset,
            with: AssetWatcher(
                name: "landing", trigger: trigger, extract: S3NotificationTrigger.fileArrival))
        let events = try await orchestrator.withServices {
            let recorded = orchestrator.scheduler.recordedAssetEvents()
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing", state: .running)
            try await s3.putObject(bucket: bucket, key: "elsewhere/ignored.csv", body: Data("x".utf8))  // S3 filters it
            try await s3.putObject(
                bucket: bucket, key: "landing/2026/orders 1+2.csv", body: Data("id,total\n1,9\n".utf8))
            var events: [AssetEvent] = []
            for await event in recorded { events.append(event); break }
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing") { $0.eventsRecorded == 1 }
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "ingest", count: 1)
            return events
        }
        let extra = try #require(events.first?.extra)
        #expect(extra["bucket"] == .string(bucket))
        #expect(extra["key"] == "landing/2026/orders 1+2.csv")
        #expect(extra["size"] == 13)
        #expect(extra["etag"] == .string(Data("id,total\n1,9\n".utf8).md5Hex))
        #expect(extra["eventName"] == "ObjectCreated:Put")
        let status = try #require(await orchestrator.triggerer.status(of: "landing"))
        #expect(
            status.eventsSeen == 1,
            "the test event (consumed before the object's) and the object outside landing/ fire nothing")
        #expect(try await sqs.attributes(queueURL)["ApproximateNumberOfMessages"] == "0")
        #expect(
            try await sqs.attributes(queueURL)["ApproximateNumberOfMessagesNotVisible"] == "0", "deleted, not in flight"
        )
    }

    @Test(
        "a message on the notification queue that is not an S3 event is dead-lettered with its reason, in the store and in the queue's DLQ"
    )
    func poisonMessage() async throws {
        let (bucket, queue, queueURL, dlqURL) = try await bucketWithNotifications()
        let asset = try Asset(uri: "s3://\(bucket)/landing")
        let orchestrator = try await orchestrator(
            watching: asset,
            with: AssetWatcher(
                name: "landing", trigger: S3NotificationTrigger(client: sqs, queue: queue, waitSeconds: 1),
                extract: S3NotificationTrigger.fileArrival))
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing", state: .running)
            try await sqs.send(queueURL, body: "not json at all")
            try await s3.putObject(bucket: bucket, key: "landing/good.csv", body: Data("1".utf8))
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing") {
                $0.deadLettered == 1 && $0.eventsRecorded == 1
            }
        }
        let letters = try await orchestrator.triggerer.deadLetters.list(source: "landing")
        #expect(letters.count == 1)
        #expect(letters.first?.reason.contains("not an S3 event notification: the body is not JSON") == true)
        let moved = try await sqs.receive(dlqURL, waitSeconds: 1)
        #expect(moved.map(\.body) == ["not json at all"])
        #expect(moved.first?.messageAttributes["eventide-dlq-reason"]?.contains("not JSON") == true)
        #expect(try await sqs.attributes(queueURL)["ApproximateNumberOfMessages"] == "0")
    }

    @Test(
        "sqs:// trigger: an unacknowledged message comes back with the same id and a higher delivery count; acknowledged, it is gone"
    )
    func sqsRedelivery() async throws {
        let queue = unique("orders")
        let queueURL = try await sqs.createQueue(queue)
        try await sqs.send(queueURL, body: #"{"order": 7}"#, attributes: ["type": "order.placed"])
        let registry = TriggerRegistry().registering(SQSTrigger.factory())
        let uri = "sqs://testing:testing@127.0.0.1:\(LocalServer.moto.port)/\(queue)?wait=2&visibility=1"
        var first = try registry.trigger(for: uri).events().makeAsyncIterator()
        let delivered = try #require(try await first.next())
        #expect(
            delivered.payload == [
                "body": ["order": 7], "attributes": ["type": "order.placed"], "queue": .string(queue),
            ])
        #expect(delivered.deliveryCount == 1)
        // Not acknowledged (the process died before its commit): SQS delivers it again after the visibility timeout.
        var second = try registry.trigger(for: uri).events().makeAsyncIterator()
        let again = try #require(try await second.next())
        #expect(again.messageId == delivered.messageId)
        #expect(again.deliveryCount == 2)
        try await again.acknowledge()
        #expect(try await sqs.attributes(queueURL)["ApproximateNumberOfMessages"] == "0")
        #expect(try await sqs.attributes(queueURL)["ApproximateNumberOfMessagesNotVisible"] == "0")
    }

    @Test(
        "sqs:// trigger: a missing queue and a closed port are typed errors from the stream; a URI without credentials is refused"
    )
    func errors() async throws {
        let missing = SQSTrigger(client: sqs, queue: unique("missing"), waitSeconds: 0)
        var iterator = try missing.events().makeAsyncIterator()
        await #expect { _ = try await iterator.next() } throws: { error in
            if case SQSError.service(let code, _, _) = error {
                code.contains("NonExistentQueue") || code.contains("QueueDoesNotExist")
            } else {
                false
            }
        }
        let closed = SQSTrigger(
            client: SQSClient(endpoint: URL(string: "http://127.0.0.1:9")!, credentials: credentials, retry: .none),
            queue: "q", waitSeconds: 0)
        var closedIterator = try closed.events().makeAsyncIterator()
        await #expect { _ = try await closedIterator.next() } throws: { error in
            if case SQSError.unreachable = error { true } else { false }
        }
        #expect(throws: TriggerError.self) {
            try TriggerRegistry().registering(SQSTrigger.factory(environment: [:])).trigger(
                for: "sqs://127.0.0.1:5000/q")
        }
    }

    @Test(
        "a watcher whose SQS server is killed mid-stream restarts with backoff, resumes when the server is back, and loses nothing it acknowledged"
    )
    func serverKilledMidStream() async throws {
        let moto = try SQSClientTests.privateMoto()
        try await moto.start()
        defer { moto.kill() }
        // The client's own retries give up after a second, so that the outage reaches the watcher.
        let client = SQSClient(
            endpoint: moto.server.url, credentials: credentials,
            retry: ReconnectBackoff(initialDelay: .milliseconds(50), deadline: .seconds(1)))
        let queueURL = try await client.createQueue("orders")
        let asset = try Asset(uri: "sqs://orders")
        let orchestrator = try await orchestrator(
            watching: asset,
            with: AssetWatcher(
                name: "orders", trigger: SQSTrigger(client: client, queue: "orders", waitSeconds: 1),
                restart: RetryPolicy(retries: 100, delay: .milliseconds(100))))
        let status = try await orchestrator.withServices {
            try await client.send(queueURL, body: #"{"order": 1}"#)
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders") { $0.eventsRecorded == 1 }
            moto.kill()
            let failing = try await orchestrator.triggerer.waitFor(watcher: "orders") { $0.state == .restarting }
            #expect(failing.lastError?.contains("did not answer") == true, "a typed unreachable error")
            try await moto.start()  // moto keeps no state: the queue is created again
            let again = try await client.createQueue("orders")
            try await client.send(again, body: #"{"order": 2}"#)
            return try await orchestrator.triggerer.waitFor(watcher: "orders") { $0.eventsRecorded == 2 }
        }
        #expect(status.restarts >= 1)
        #expect(
            try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["payload"]?["body"]?["order"] }
                == [1, 2])
    }
}

extension Data {
    var md5Hex: String {
        Insecure.MD5.hash(data: self).map { String(format: "%02x", $0) }.joined()
    }
}

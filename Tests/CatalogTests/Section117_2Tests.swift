import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import EventideTesting
import Foundation
import Testing
@testable import EventideSQSCLI
@testable import Ex117_02_01_sqs_watcher_setup
@testable import Ex117_02_02_sqs_filtering
@testable import Ex117_02_03_s3_sqs_events
@testable import Ex117_02_04_sqs_batch_processing
@testable import Ex117_02_05_sqs_dlq

/// The 117.2 items on moto's SQS: a client for the region, and a queue name no other test uses.
enum Moto {
    static let enabled = LocalServer.moto.isRunning
    static let reason: Comment = "moto is not running on 127.0.0.1:5000; start it with scripts/servers up moto"

    static func service(region: String = "us-east-1") -> SQSQueueService {
        SQSQueueService(client: SQSClient(endpoint: LocalServer.moto.url, region: region,
                                          credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")))
    }

    static func queue(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
}

@Suite("117.2.1 SQS Watcher Setup")
struct SQSWatcherSetupTests {
    typealias Example = SQSWatcherSetup

    func runEmbedded(_ configuration: Example.Configuration) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_01")
        return try await Example.run(configuration, service: EmbeddedQueue(database: database), database: database).outcome
    }

    func runOnMoto(region: String = "us-east-1", orders: Int = 3, abandoned: Int = 2,
                   visibility: Duration = .seconds(1)) async throws -> (Example.Outcome, String) {
        let queue = Moto.queue("orders")
        let database = try TemporaryDatabase.make("117_02_01-sqs")
        let outcome = try await Example.run(
            .init(queue: queue, orders: orders, abandoned: abandoned, visibilityTimeout: visibility,
                  connection: "aws:///?region_name=\(region)&endpoint_url=http://127.0.0.1:5000"),
            service: Moto.service(region: region), database: database).outcome
        return (outcome, queue)
    }

    /// What every run promises, whichever service it ran on.
    func checkDelivered(_ outcome: Example.Outcome, orders: Int, abandoned: Int) {
        let total = orders + abandoned
        #expect(Set(outcome.deliveries.map(\.order)) == Set(1...total), "every order once")
        #expect(Set(outcome.deliveries.map(\.messageId)).count == total)
        #expect(outcome.eventsRecorded == total && outcome.duplicates == 0 && outcome.eventsSeen == total)
        #expect(outcome.runs.count == total && outcome.runs.allSatisfy { $0.state == .success })
        #expect(outcome.runs.map(\.orders).sorted { $0.first ?? 0 < $1.first ?? 0 } == (1...total).map { [$0] },
                "one run per message, each seeing its own order")
        #expect(outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0, "every message deleted after its commit")
    }

    @Test("117.2.1/1 an AssetWatcher on the queue's trigger turns each message into one asset event of the asset and one run")
    func watcherForAsset() async throws {
        let outcome = try await runEmbedded(.init(orders: 4, abandoned: 0))
        checkDelivered(outcome, orders: 4, abandoned: 0)
        #expect(outcome.watcher == "orders_sqs" && outcome.trigger == "EmbeddedQueueTrigger(queue: orders)")
        #expect(outcome.deliveries.map(\.order) == [1, 2, 3, 4], "in send order")
        #expect(outcome.deliveries.allSatisfy { $0.deliveryCount == 1 && $0.attributes == ["type": "order.placed"] })
        _ = try ExampleProcess.checkCommandLine("117_02_01_sqs_watcher_setup", item: "117.2.1",
                                                badArguments: ["--visibility-timeout", "0"], expectInError: "--visibility-timeout")
    }

    @Test("117.2.1/2 --sqs takes an endpoint, an aws:// connection URI or a connection id (AIRFLOW_CONN_*), and refuses what it cannot use")
    func awsConnection() throws {
        let endpoint = try QueueOptions.connection("http://127.0.0.1:5000")
        #expect(endpoint.extra["endpoint_url"] == "http://127.0.0.1:5000")
        // moto takes any credentials: on loopback without AWS_* variables the client uses moto's 'testing'.
        let loopback = QueueOptions.withLoopbackCredentials([:], connection: endpoint)
        #expect(loopback["AWS_ACCESS_KEY_ID"] == "testing")
        #expect(QueueOptions.withLoopbackCredentials(["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"],
                                                     connection: endpoint)["AWS_ACCESS_KEY_ID"] == "K")
        let remote = try QueueOptions.connection("aws:///?region_name=eu-west-1")
        #expect(QueueOptions.withLoopbackCredentials([:], connection: remote).isEmpty, "no made-up credentials for AWS itself")
        let byId = try QueueOptions.connection("aws_default", environment: [
            "AIRFLOW_CONN_AWS_DEFAULT": "aws://AKID:SECRET@/?region_name=eu-central-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000"])
        let client = try SQSClient(connection: byId, environment: [:])
        #expect(client.region == "eu-central-1" && client.endpoint.absoluteString == "http://127.0.0.1:5000")
        #expect(throws: ConnectionError.self) { _ = try QueueOptions.connection("aws_missing", environment: [:]) }
        for bad in [["--sqs", "aws_missing"], ["--sqs", "http://"]] {
            let result = try ExampleProcess.run("117_02_01_sqs_watcher_setup", bad)
            #expect(result.status != 0 && result.stderr.contains("--sqs"), "\(bad): \(result.stderr)")
        }
    }

    @Test("117.2.1/2 the same example runs on moto's SQS, through the connection, unchanged", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let (outcome, queue) = try await runOnMoto()
        checkDelivered(outcome, orders: 3, abandoned: 2)
        #expect(outcome.trigger == "SQSTrigger(queue: \(queue), endpoint: http://127.0.0.1:5000)")
        #expect(outcome.service == "SQS at http://127.0.0.1:5000 (us-east-1)")
    }

    @Test("117.2.1/3 the queue URL is where the service keeps the queue, and the region decides which queues a client sees",
          .enabled(if: Moto.enabled, Moto.reason))
    func queueURLAndRegion() async throws {
        let embedded = try await runEmbedded(.init(queue: "payments", orders: 1, abandoned: 0))
        #expect(embedded.queueURL == "eventide://queue/payments")
        let (outcome, queue) = try await runOnMoto(region: "eu-west-1", orders: 1, abandoned: 0)
        #expect(outcome.queueURL.hasPrefix("http://127.0.0.1:5000/") && outcome.queueURL.hasSuffix("/\(queue)"))
        #expect(outcome.service == "SQS at http://127.0.0.1:5000 (eu-west-1)")
        // Queues live in a region: the eu-west-1 client finds it, a us-east-1 client does not.
        #expect(try await Moto.service(region: "eu-west-1").queueURL(queue) == outcome.queueURL)
        await #expect(throws: SQSError.self) { _ = try await Moto.service(region: "us-east-1").queueURL(queue) }
    }

    @Test("117.2.1/4 messages a dead consumer held come back only after the visibility timeout, as delivery 2; fresh ones at once")
    func visibilityTimeout() async throws {
        for seconds in [1, 2] {
            let outcome = try await runEmbedded(.init(orders: 2, abandoned: 2, visibilityTimeout: .seconds(seconds)))
            checkDelivered(outcome, orders: 2, abandoned: 2)
            let abandoned = outcome.deliveries.filter(\.abandoned), fresh = outcome.deliveries.filter { !$0.abandoned }
            #expect(abandoned.map(\.order).sorted() == [1, 2] && abandoned.allSatisfy { $0.deliveryCount == 2 })
            #expect(abandoned.allSatisfy { $0.recordedAfterMilliseconds >= Double(seconds) * 1000 },
                    "invisible for the \(seconds) s timeout: \(abandoned.map(\.recordedAfterMilliseconds))")
            #expect(fresh.allSatisfy { $0.deliveryCount == 1 })
            #expect(fresh.map(\.eventId).max()! < abandoned.map(\.eventId).min()!, "the fresh orders were recorded first")
        }
    }

    @Test("117.2.1/1 on moto's SQS too, every message, also those a dead consumer held, runs the DAG once",
          .enabled(if: Moto.enabled, Moto.reason))
    func onSQSWithDeadConsumer() async throws {
        let (outcome, _) = try await runOnMoto(orders: 3, abandoned: 1)
        checkDelivered(outcome, orders: 3, abandoned: 1)
        let held = try #require(outcome.deliveries.first { $0.abandoned })
        #expect(held.deliveryCount == 2 && held.recordedAfterMilliseconds >= 1000)
    }
}

@Suite("117.2.2 SQS Message Filtering")
struct SQSFilteringTests {
    typealias Example = SQSFiltering

    func run(attributePolicy: String = Example.defaultAttributePolicy, bodyPolicy: String = Example.defaultBodyPolicy,
             service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) },
             queue: String = "commerce-events") async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_02")
        return try await Example.run(
            .init(queue: queue, attributePolicy: try FilterPolicy(json: attributePolicy),
                  bodyPolicy: try FilterPolicy(json: bodyPolicy, scope: .messageBody)),
            service: service(database), database: database).outcome
    }

    func fate(_ outcome: Example.Outcome, _ label: String) -> Example.Fate? { outcome.fates.first { $0.label == label } }

    @Test("117.2.2/1 the attribute policy skips other regions and internal types; another policy keeps other messages")
    func attributeFilters() async throws {
        let outcome = try await run()
        #expect(fate(outcome, "us order placed")?.kind == .filtered && fate(outcome, "us order placed")?.detail == "attribute policy")
        #expect(fate(outcome, "internal audit")?.kind == .filtered)
        #expect(fate(outcome, "eu order placed")?.kind == .recorded)
        let us = try await run(attributePolicy: #"{"region": [{"prefix": "us-"}]}"#)
        #expect(us.fates.filter { $0.kind == .recorded }.map(\.label) == ["us order placed"], "only the us message passes now")
        _ = try ExampleProcess.checkCommandLine("117_02_02_sqs_filtering", item: "117.2.2",
                                                badArguments: ["--attribute-policy", #"{"type": "order"}"#],
                                                expectInError: "--attribute-policy")
    }

    @Test("117.2.2/2 the body policy skips a non-JSON body and a zero amount; a looser policy records the zero amount")
    func bodyPatterns() async throws {
        let outcome = try await run()
        #expect(fate(outcome, "health ping")?.detail == "body policy (body is not JSON)")
        #expect(fate(outcome, "zero-amount test order")?.kind == .filtered && fate(outcome, "zero-amount test order")?.detail == "body policy")
        let looser = try await run(bodyPolicy: #"{"amount": [{"numeric": [">=", 0]}]}"#)
        #expect(fate(looser, "zero-amount test order")?.kind == .recorded)
        #expect(fate(looser, "health ping")?.kind == .filtered)
    }

    @Test("117.2.2/3 each recorded type runs exactly its own handler; a type without a handler is dead-lettered with the reason")
    func multipleTypes() async throws {
        let outcome = try await run()
        let expected: [String: String] = ["eu order placed": "handle_order_placed", "eu payment": "handle_payment_captured",
                                          "eu order cancelled": "handle_order_cancelled"]
        for (label, handler) in expected {
            let states = try #require(outcome.handlers[label])
            #expect(states[handler] == .success)
            #expect(states.filter { $0.key != handler }.values.allSatisfy { $0 == .skipped }, "\(label): \(states)")
        }
        let refund = try #require(fate(outcome, "eu refund (no handler)"))
        #expect(refund.kind == .deadLettered && refund.detail.contains("no handler for message type 'refund.requested'"))
        #expect(outcome.inDeadLetterQueue == 1, "rejected into the queue's own dead-letter queue, not lost")
    }

    @Test("117.2.2/4 skipped messages are acknowledged and counted, make no run, and never restart the watcher")
    func skipGracefully() async throws {
        let outcome = try await run()
        #expect(outcome.filtered == 4 && outcome.fates.filter { $0.kind == .filtered }.count == 4)
        #expect(outcome.eventsSeen == 8 && outcome.eventsRecorded == 3 && outcome.deadLettered == 1)
        #expect(outcome.restarts == 0)
        #expect(outcome.handlers.count == 3, "runs only for the recorded messages")
        #expect(outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0, "skipped messages were deleted, not left to redeliver")
    }

    @Test("117.2.2/3 on moto's SQS the same messages meet the same fates", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(service: { _ in Moto.service() }, queue: Moto.queue("commerce"))
        #expect(sqs.fates.map(\.kind) == embedded.fates.map(\.kind))
        #expect(sqs.fates.map(\.detail) == embedded.fates.map(\.detail))
        #expect(sqs.inDeadLetterQueue == 1 && sqs.visibleAtEnd == 0 && sqs.inFlightAtEnd == 0)
        #expect(sqs.service == "SQS at http://127.0.0.1:5000 (us-east-1)")
    }
}

@Suite("117.2.4 SQS Batch Processing Pattern")
struct SQSBatchProcessingTests {
    typealias Example = SQSBatchProcessing

    func run(_ configuration: Example.Configuration = .init(),
             service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) }) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_04")
        return try await Example.run(configuration, service: service(database), database: database).outcome
    }

    /// Batches holding the spaced messages (their clicks are above the backlog's).
    func trickleBatches(_ part: Example.Part, burst: Int) -> [Example.Batch] {
        part.batches.filter { $0.clicks.contains { $0 > burst } }
    }

    @Test("117.2.4/1 one trigger event carries many messages: fewer asset events and runs than messages, none lost")
    func multipleMessagesPerTrigger() async throws {
        let outcome = try await run()
        #expect(outcome.perMessage.runs == 38 && outcome.perMessage.assetEvents == 38)
        #expect(outcome.batched.assetEvents == outcome.batched.runs && outcome.batched.runs < 38)
        #expect(outcome.batched.batches.flatMap(\.clicks).sorted() == Array(1...38), "every message in exactly one batch")
        _ = try ExampleProcess.checkCommandLine("117_02_04_sqs_batch_processing", item: "117.2.4",
                                                badArguments: ["--batch-size", "0"], expectInError: "--batch-size")
    }

    @Test("117.2.4/2 a batch closes when full or when the window fires; a wider window gathers the spaced messages")
    func sizeAndWindow() async throws {
        let narrow = try await run(.init(batchSize: 5, window: .milliseconds(200)))
        #expect(narrow.batched.batches.allSatisfy { $0.size <= 5 })
        #expect(narrow.batched.batches.filter { $0.closedBy == "full" }.count >= 6, "the backlog of 35 fills batches of 5")
        #expect(trickleBatches(narrow.batched, burst: 35).count == 3, "400 ms apart, each spaced message closes alone in a 200 ms window")
        let wide = try await run(.init(batchSize: 5, window: .milliseconds(2_000)))
        #expect(trickleBatches(wide.batched, burst: 35).count < 3, "a 2 s window puts spaced messages together")
    }

    @Test("117.2.4/3 each run aggregates its batch, and the aggregates add up to the per-message ones")
    func aggregate() async throws {
        let outcome = try await run()
        #expect(outcome.batched.batches.allSatisfy { $0.total == $0.clicks.reduce(0, +) && $0.size == $0.clicks.count })
        #expect(outcome.batched.total == 38 * 39 / 2 && outcome.perMessage.total == outcome.batched.total)
    }

    @Test("117.2.4/4 every member is acknowledged only after its batch's asset event is committed, and then deleted")
    func acknowledgement() async throws {
        let outcome = try await run()
        for part in [outcome.perMessage, outcome.batched] {
            #expect(part.acknowledgedAfterCommit == 38 && part.acknowledgedBeforeCommit == 0, "\(part.mode)")
            #expect(part.visibleAtEnd == 0 && part.inFlightAtEnd == 0)
        }
    }

    @Test("117.2.4/1 on moto's SQS, batches also cut the runs and lose no message", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let outcome = try await run(.init(queue: Moto.queue("clicks")), service: { _ in Moto.service() })
        #expect(outcome.batched.runs < outcome.perMessage.runs && outcome.perMessage.runs == 38)
        #expect(outcome.batched.total == 38 * 39 / 2 && outcome.perMessage.total == outcome.batched.total)
        #expect(outcome.batched.acknowledgedBeforeCommit == 0 && outcome.batched.visibleAtEnd + outcome.batched.inFlightAtEnd == 0)
    }
}

@Suite("117.2.5 SQS Dead Letter Queue Handling")
struct SQSDeadLetterQueueTests {
    typealias Example = SQSDeadLetterQueue

    func run(_ configuration: Example.Configuration = .init(),
             service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) }) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_05")
        return try await Example.run(configuration, service: service(database), database: database).outcome
    }

    func fate(_ outcome: Example.Outcome, _ label: String) -> Example.Fate? { outcome.fates.first { $0.label == label } }

    @Test("117.2.5/1 failed payments reach the DLQ by rejection (with the reason) and by the redrive policy; none is lost")
    func deadLetterQueue() async throws {
        let outcome = try await run()
        #expect(outcome.mainDeadLettered == 3 && outcome.deadLettersSeen == 4, "3 rejected by the watcher, 1 by the redrive policy")
        #expect(fate(outcome, "amount as text")?.deadLetterReason == "'amount' is not a positive number")
        #expect(fate(outcome, "garbage")?.deadLetterReason == "body is not a JSON object")
        #expect(fate(outcome, "retried by a crashing worker")?.deadLetterReason?.contains("received 2 times") == true)
        #expect(fate(outcome, "valid")?.deadLetterReason == nil && fate(outcome, "valid")?.fate == "recorded")
        #expect(!outcome.fates.contains { $0.fate == "lost" } && outcome.mainRestarts == 0)
        #expect(outcome.queueLeft == 0 && outcome.deadLetterQueueLeft == 0)
        _ = try ExampleProcess.checkCommandLine("117_02_05_sqs_dlq", item: "117.2.5",
                                                badArguments: ["--max-receives", "0"], expectInError: "--max-receives")
    }

    @Test("117.2.5/1 on moto's SQS the redrive policy and the rejections route the same payments", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(.init(queue: Moto.queue("payments")), service: { _ in Moto.service() })
        #expect(sqs.fates.map(\.fate) == embedded.fates.map(\.fate))
        #expect(sqs.deadLettersSeen == 4 && sqs.mainDeadLettered == 3 && sqs.alerts.count == 1)
        #expect(sqs.queueLeft == 0 && sqs.deadLetterQueueLeft == 0)
    }

    @Test("117.2.5/2 a watcher on the DLQ turns every dead letter into an asset event; the payments watcher counts its rejections")
    func monitorDeadLetters() async throws {
        let outcome = try await run(.init(maxReceives: 3))
        #expect(outcome.deadLettersSeen == 4 && outcome.mainDeadLettered == 3)
        #expect(fate(outcome, "retried by a crashing worker")?.deadLetterReason?.contains("received 3 times") == true,
                "moved after --max-receives receives")
        #expect(outcome.reprocessRuns >= 1)
    }

    @Test("117.2.5/3 the reprocessing DAG repairs and redrives what it can (booked afterwards) and parks the rest")
    func reprocessing() async throws {
        let outcome = try await run()
        #expect(outcome.redriven == 3 && outcome.parked == ["%%% not a payment %%%"])
        for label in ["amount as text", "lowercase currency", "retried by a crashing worker"] {
            #expect(fate(outcome, label)?.fate == "recorded after redrive", "\(label)")
        }
        #expect(fate(outcome, "garbage")?.fate == "parked")
        #expect(outcome.mainRecorded == 5, "two valid payments plus three after the round trip")
    }

    @Test("117.2.5/4 an alert is published once when dead letters reach the threshold within the window, and not below it")
    func alertOnAccumulation() async throws {
        let atThree = try await run(.init(alertThreshold: 3))
        #expect(atThree.alerts.count == 1 && atThree.alerts.allSatisfy { $0.deadLetters >= 3 && $0.deadLetters <= 4 },
                "\(atThree.alerts): counted when the run saw at least 3 (runs batch the dead letters queued meanwhile)")
        let atOne = try await run(.init(alertThreshold: 1))
        #expect(atOne.alerts.count == 1, "one alert per window, not one per dead letter")
        let atFive = try await run(.init(alertThreshold: 5))
        #expect(atFive.alerts.isEmpty, "4 dead letters stay below 5")
    }
}

@Suite("117.2.3 S3 Event Notifications via SQS")
struct S3SQSEventsTests {
    typealias Example = S3SQSEvents

    func runEmbedded() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_03")
        let queues = EmbeddedQueue(database: database)
        let store = EmbeddedObjectStore(folder: try database.folder("buckets"), queues: queues)
        return try await Example.run(.init(), store: store, queues: queues, database: database).outcome
    }

    func runOnMoto() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_03-s3")
        let queues = Moto.service()
        let store = S3ObjectStore(client: S3Client(endpoint: LocalServer.moto.url,
                                                   credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
                                  queues: queues)
        return try await Example.run(.init(bucket: Moto.queue("landing"), queue: Moto.queue("landing-events")),
                                     store: store, queues: queues, database: database).outcome
    }

    let expectedKeys = ["incoming/orders 2026-11-23.csv", "incoming/customers.csv", "incoming/customers.csv"]

    @Test("117.2.3/1 the bucket notifies the queue only for keys its rule matches; S3's test event is dropped")
    func bucketNotifications() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.map(\.key) == expectedKeys)
        #expect(outcome.notNotified == ["incoming/readme.txt", "archive/orders 2026-11-22.csv"])
        #expect(outcome.eventsSeen == 4, "3 records and the stray message; the s3:TestEvent never became an event")
        #expect(outcome.queueLeft == 0)
        _ = try ExampleProcess.checkCommandLine("117_02_03_s3_sqs_events", item: "117.2.3",
                                                badArguments: ["--bucket", "Bad_Bucket"], expectInError: "--bucket")
    }

    @Test("117.2.3/1 on moto, S3 itself publishes the notifications to SQS and the same files arrive", .enabled(if: Moto.enabled, Moto.reason))
    func onS3() async throws {
        let outcome = try await runOnMoto()
        #expect(outcome.arrivals.map(\.key) == expectedKeys, "moto's notifications, keys decoded")
        #expect(outcome.arrivals.allSatisfy { $0.etag == $0.etagAtUpload && $0.eventName.hasPrefix("ObjectCreated:") })
        #expect(outcome.arrivals.map(\.rowsLoaded) == [3, 2, 5] && outcome.deadLetters.count == 1 && outcome.queueLeft == 0)
        #expect(outcome.store == "S3 at http://127.0.0.1:5000")
    }

    @Test("117.2.3/2 notification JSON is parsed from the queue; a message that is not one is dead-lettered with the reason")
    func parseNotifications() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.count == 3)
        #expect(outcome.deadLetters.count == 1 && outcome.deadLetters[0].contains("neither 'Records' nor 'Event'"))
    }

    @Test("117.2.3/3 each arrival carries the bucket, the decoded key, the size, the put's ETag and the event name")
    func extractFields() async throws {
        let outcome = try await runEmbedded()
        for (arrival, upload) in zip(outcome.arrivals, [0, 1, 4].map { Example.uploads[$0] }) {
            #expect(arrival.bucket == "landing" && arrival.key == upload.key)
            #expect(arrival.size == Example.csv(rows: upload.rows).count)
            #expect(arrival.eventName == "ObjectCreated:Put")
            #expect(arrival.etag == arrival.etagAtUpload && arrival.etag.count == 32)
        }
        #expect(outcome.arrivals[1].etag != outcome.arrivals[2].etag, "the overwrite is a new version")
    }

    @Test("117.2.3/4 each arrival runs the load DAG on its own version; a version overwritten before its run is skipped")
    func triggerOnArrival() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.arrivals.map(\.runState) == [.success, .success, .success])
        #expect(outcome.arrivals.map(\.rowsLoaded) == [3, 2, 5])
        // The load step against a store whose object changed after the event.
        let database = try TemporaryDatabase.make("117_02_03-load")
        let store = EmbeddedObjectStore(folder: try database.folder("buckets"), queues: EmbeddedQueue(database: database))
        try await store.createBucket("landing")
        let first = try await store.putObject(bucket: "landing", key: "incoming/a.csv", body: Example.csv(rows: 2))
        let second = try await store.putObject(bucket: "landing", key: "incoming/a.csv", body: Example.csv(rows: 7))
        let arrival = { (etag: String) -> [String: JSONValue] in
            ["bucket": "landing", "key": "incoming/a.csv", "etag": .string(etag)]
        }
        await #expect(throws: TaskSkipped.self) { _ = try await Example.load(arrival(first), from: store) }
        #expect(try await Example.load(arrival(second), from: store).value["rows"] == 7)
    }
}

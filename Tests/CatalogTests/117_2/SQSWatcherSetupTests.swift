import Eventide
import EventideCLI
import EventideSQS
import EventideTesting
import Foundation
import Synchronization
import Testing

@testable import EventideSQSCLI
@testable import Ex117_02_01_sqs_watcher_setup

@Suite("117.2.1 SQS Watcher Setup", .timeLimit(.minutes(10)))
struct SQSWatcherSetupTests {
    typealias Example = SQSWatcherSetup

    func runEmbedded(_ configuration: Example.Configuration) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_01")
        return try await Example.run(configuration, service: EmbeddedQueue(database: database), database: database)
            .outcome
    }

    func runOnMoto(
        region: String = "us-east-1", orders: Int = 3, abandoned: Int = 2,
        visibility: Duration = .seconds(1)
    ) async throws -> (Example.Outcome, String) {
        let queue = Moto.queue("orders")
        let database = try TemporaryDatabase.make("117_02_01-sqs")
        let outcome = try await Example.run(
            .init(
                queue: queue, orders: orders, abandoned: abandoned, visibilityTimeout: visibility,
                connection: "aws:///?region_name=\(region)&endpoint_url=http://127.0.0.1:5000"),
            service: Moto.service(region: region), database: database
        ).outcome
        return (outcome, queue)
    }

    /// What every fresh run promises, whichever service it ran on.
    func checkDelivered(_ outcome: Example.Outcome, orders: Int, abandoned: Int) {
        let total = orders + abandoned
        #expect(outcome.mode == .fresh)
        #expect(Set(outcome.deliveries.map(\.order)) == Set(1...total), "every order once")
        #expect(Set(outcome.deliveries.map(\.messageId)).count == total)
        #expect(outcome.eventsRecorded == total && outcome.duplicates == 0 && outcome.eventsSeen == total)
        #expect(outcome.runs.count == total && outcome.runs.allSatisfy { $0.state == .success })
        #expect(
            outcome.runs.map(\.orders).sorted { $0.first ?? 0 < $1.first ?? 0 } == (1...total).map { [$0] },
            "one run per message, each seeing its own order")
        #expect(outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0, "every message deleted")
        checkDeletedAfterCommit(outcome)
    }

    /// The order of commit and delete, as the probe measured it at each acknowledgement.
    func checkDeletedAfterCommit(_ outcome: Example.Outcome) {
        #expect(outcome.acknowledgements.count == outcome.eventsRecorded + outcome.duplicates + outcome.deadLettered)
        #expect(!outcome.acknowledgements.contains { $0.found == .nothing }, "no delete before its commit")
        #expect(outcome.deliveries.allSatisfy { $0.committedBeforeDelete })
        let acknowledged = Set(outcome.acknowledgements.compactMap(\.eventId))
        #expect(outcome.deliveries.allSatisfy { acknowledged.contains($0.eventId) }, "each event's message was deleted")
    }

    @Test(
        "117.2.1/1 an AssetWatcher on the queue's trigger turns each message into one asset event of the asset and one run"
    )
    func watcherForAsset() async throws {
        let outcome = try await runEmbedded(.init(orders: 4, abandoned: 0))
        checkDelivered(outcome, orders: 4, abandoned: 0)
        #expect(outcome.watcher == "orders_sqs" && outcome.trigger == "EmbeddedQueueTrigger(queue: orders)")
        #expect(outcome.deliveries.map(\.order) == [1, 2, 3, 4], "in send order")
        #expect(outcome.deliveries.allSatisfy { $0.deliveryCount == 1 && $0.attributes == ["type": "order.placed"] })
        _ = try ExampleProcess.checkCommandLine(
            "117_02_01_sqs_watcher_setup", item: "117.2.1",
            badArguments: ["--visibility-timeout", "0"], expectInError: "--visibility-timeout")
    }

    @Test(
        "117.2.1/1 each message is deleted only after its asset event is committed, looked up at every acknowledgement")
    func deletedAfterCommit() async throws {
        let outcome = try await runEmbedded(.init(orders: 3, abandoned: 1, visibilityTimeout: .seconds(1)))
        checkDelivered(outcome, orders: 3, abandoned: 1)
        #expect(outcome.acknowledgements.map(\.found) == Array(repeating: .committedNow, count: 4))
        #expect(
            outcome.acknowledgements.compactMap(\.eventId) == outcome.deliveries.map(\.eventId),
            "acknowledged in the order recorded")

        // The probe can tell the other order: a message acknowledged before anything was committed for it.
        let database = try TemporaryDatabase.make("117_02_01-probe")
        let orchestrator = Orchestrator(database: database)
        let probe = Example.AcknowledgementProbe(
            scheduler: orchestrator.scheduler,
            deadLetters: orchestrator.triggerer.deadLetters, timeline: .init())
        let deleted = Mutex(false)
        let early = probe.observe(
            TriggerEvent(
                payload: ["body": ["order": 1]], messageId: "m-1",
                acknowledge: { deleted.withLock { $0 = true } }))
        try await early.acknowledge()
        #expect(deleted.withLock { $0 }, "the probe still deletes")
        #expect(probe.acknowledgements == [.init(messageId: "m-1", found: .nothing, eventId: nil)])
    }

    @Test(
        "117.2.1/2 --sqs takes an endpoint, an aws:// connection URI or a connection id (AIRFLOW_CONN_*), and refuses what it cannot use"
    )
    func awsConnection() throws {
        let endpoint = try QueueOptions.connection("http://127.0.0.1:5000")
        #expect(endpoint.extra["endpoint_url"] == "http://127.0.0.1:5000")
        // moto takes any credentials: on loopback without AWS_* variables the client uses moto's 'testing'.
        let loopback = QueueOptions.withLoopbackCredentials([:], connection: endpoint)
        #expect(loopback["AWS_ACCESS_KEY_ID"] == "testing")
        #expect(
            QueueOptions.withLoopbackCredentials(
                ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"],
                connection: endpoint)["AWS_ACCESS_KEY_ID"] == "K")
        let remote = try QueueOptions.connection("aws:///?region_name=eu-west-1")
        #expect(
            QueueOptions.withLoopbackCredentials([:], connection: remote).isEmpty,
            "no made-up credentials for AWS itself")
        let byId = try QueueOptions.connection(
            "aws_default",
            environment: [
                "AIRFLOW_CONN_AWS_DEFAULT":
                    "aws://AKID:SECRET@/?region_name=eu-central-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000"
            ])
        let client = try SQSClient(connection: byId, environment: [:])
        #expect(client.region == "eu-central-1" && client.endpoint.absoluteString == "http://127.0.0.1:5000")
        #expect(throws: ConnectionError.self) { _ = try QueueOptions.connection("aws_missing", environment: [:]) }
        for bad in [["--sqs", "aws_missing"], ["--sqs", "http://"]] {
            let result = try ExampleProcess.run("117_02_01_sqs_watcher_setup", bad)
            #expect(result.status != 0 && result.stderr.contains("--sqs"), "\(bad): \(result.stderr)")
        }
    }

    @Test(
        "117.2.1/2 the same example runs on moto's SQS, through the connection, unchanged",
        .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let (outcome, queue) = try await runOnMoto()
        checkDelivered(outcome, orders: 3, abandoned: 2)
        #expect(outcome.trigger == "SQSTrigger(queue: \(queue), endpoint: http://127.0.0.1:5000)")
        #expect(outcome.service == "SQS at http://127.0.0.1:5000 (us-east-1)")
    }

    @Test(
        "117.2.1/3 the queue URL is where the service keeps the queue, and the region decides which queues a client sees",
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

    @Test(
        "117.2.1/4 messages a dead consumer held come back only after the visibility timeout, as delivery 2; fresh ones at once"
    )
    func visibilityTimeout() async throws {
        for seconds in [1, 2] {
            let outcome = try await runEmbedded(.init(orders: 2, abandoned: 2, visibilityTimeout: .seconds(seconds)))
            checkDelivered(outcome, orders: 2, abandoned: 2)
            let abandoned = outcome.deliveries.filter { $0.origin == .abandoned }
            let fresh = outcome.deliveries.filter { $0.origin == .sent }
            #expect(abandoned.map(\.order).sorted() == [1, 2] && abandoned.allSatisfy { $0.deliveryCount == 2 })
            #expect(
                abandoned.allSatisfy { ($0.recordedAfterMilliseconds ?? 0) >= Double(seconds) * 1000 },
                "invisible for the \(seconds) s timeout: \(abandoned.map(\.recordedAfterMilliseconds))")
            #expect(fresh.allSatisfy { $0.deliveryCount == 1 })
            let lastFresh = try #require(fresh.map(\.eventId).max()),
                firstHeld = try #require(abandoned.map(\.eventId).min())
            #expect(lastFresh < firstHeld, "the fresh orders were recorded first")
        }
    }

    @Test(
        "117.2.1/1 on moto's SQS too, every message, also those a dead consumer held, runs the DAG once",
        .enabled(if: Moto.enabled, Moto.reason))
    func onSQSWithDeadConsumer() async throws {
        let (outcome, _) = try await runOnMoto(orders: 3, abandoned: 1)
        checkDelivered(outcome, orders: 3, abandoned: 1)
        let held = try #require(outcome.deliveries.first { $0.origin == .abandoned })
        #expect(held.deliveryCount == 2 && (held.recordedAfterMilliseconds ?? 0) >= 1000)
    }

    /// The state a run killed mid-way leaves: orders 1–4 sent; its watcher had received 1 and 2 and committed the
    /// asset event of 1 (its run created, not finished) when it died, before deleting either; 3 and 4 still ready.
    /// The dead watcher's receive hides 1 and 2 for `held` (real time): long enough that they are still in flight
    /// when the next run starts and counts them on a loaded machine (1 s was not, once).
    func killedRun(
        _ database: EventideDatabase, queue: String = "orders", held: Duration = .seconds(4)
    ) async throws -> [String] {
        let service = EmbeddedQueue(database: database)
        let trigger = try await Example.openQueue(queue, on: service, visibilityTimeout: .seconds(1))
        var ids: [String] = []
        for order in 1...4 {
            ids.append(
                try await service.send(queue, body: #"{"order": \#(order)}"#, attributes: ["type": "order.placed"]))
        }
        let received = try await service.receive(queue, limit: 2, visibilityTimeout: held, wait: .seconds(1))
        let first = try #require(received.first { $0.messageId == ids[0] })
        let orchestrator = Orchestrator(database: database)
        let asset = try Example.ordersAsset(queue: queue, trigger: trigger, connectionId: nil)
        try await orchestrator.register(dags: [try Example.processOrders(asset)], assets: [asset])
        try await orchestrator.scheduler.recordAssetEvent(
            asset.key, extra: ["order": 1, "message_id": .string(first.messageId)],
            source: .watcher(name: Example.watcherName, messageId: first.messageId))
        return ids
    }

    @Test(
        "117.2.1/4 after a kill, a run on the same --db and queue finishes what was left and counts only its own work")
    func resumesAfterKill() async throws {
        let database = try TemporaryDatabase.make("117_02_01-killed")
        let ids = try await killedRun(database)
        let outcome = try await Example.run(
            .init(orders: 5, abandoned: 2, visibilityTimeout: .seconds(1)),
            service: EmbeddedQueue(database: database), database: database
        ).outcome
        #expect(outcome.mode == .resumed)
        #expect(outcome.start == .init(ready: 2, inFlight: 2, earlierEvents: 1, earlierRuns: 1, unfinishedRuns: 1))
        #expect(outcome.deliveries.map(\.order).sorted() == [2, 3, 4], "no new orders; order 1 was recorded before")
        #expect(outcome.deliveries.allSatisfy { $0.origin == .leftOver && $0.recordedAfterMilliseconds == nil })
        #expect(outcome.deliveries.first { $0.order == 2 }?.deliveryCount == 2, "the in-flight one came back")
        #expect(outcome.eventsRecorded == 3 && outcome.duplicates == 1 && outcome.eventsSeen == 4)
        let duplicate = try #require(outcome.acknowledgements.first { $0.messageId == ids[0] })
        #expect(duplicate.found == .committedEarlier, "the killed run's commit, found at the delete")
        checkDeletedAfterCommit(outcome)
        #expect(
            outcome.runs.map(\.orders).sorted { $0.first ?? 0 < $1.first ?? 0 } == [[2], [3], [4]],
            "this run's runs only, one per new event")
        #expect(outcome.resumedRuns.map(\.orders) == [[1]] && outcome.resumedRuns.allSatisfy { $0.state == .success })
        #expect(outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0, "nothing stranded")

        // Once nothing is left, the same --db runs the whole story again, counting only that run's work.
        let again = try await Example.run(
            .init(orders: 1, abandoned: 0, visibilityTimeout: .seconds(1)), service: EmbeddedQueue(database: database),
            database: database
        ).outcome
        #expect(again.mode == .fresh && again.start.earlierEvents == 4 && again.start.unfinishedRuns == 0)
        #expect(again.deliveries.count == 1 && again.runs.count == 1 && again.resumedRuns.isEmpty)
        #expect(again.eventsRecorded == 1 && again.duplicates == 0)
    }
}

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

@Suite("117.2.1 SQS Watcher Setup", .timeLimit(.minutes(10)))
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

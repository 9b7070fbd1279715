import Eventide
import EventideS3
import EventideTesting
import Foundation
import Testing

/// Issue 14, point 1: a poison S3 notification is dead-lettered by the watcher that reads it, and the good
/// notifications received with it are recorded, on the embedded notification queue (no server needed).
@Suite("S3 notifications: a poison message among good ones", .timeLimit(.minutes(2)))
struct S3PoisonNotificationTests {
    @Test(
        "the notification whose eventTime crashed ICU is dead-lettered; the good ones in the same receive are recorded")
    func poisonAmongGood() async throws {
        let database = try TemporaryDatabase.make("s3-poison")
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue("lake-events-dlq")
        try await queues.createQueue("lake-events", .init(deadLetterQueue: "lake-events-dlq", maxReceives: 5))
        let poison = S3EventNotificationTests.notification(
            eventTime: S3EventNotificationTests.crashingEventTime,
            key: "landing/poison.csv")
        for (index, body) in [
            S3EventNotificationTests.notification(eventTime: "2026-11-23T09:23:50.169Z", key: "landing/1.csv"),
            poison,
            S3EventNotificationTests.notification(eventTime: "2026-11-23T09:23:51", key: "landing/2.csv"),
        ]
        .enumerated() {
            _ = try await queues.send("lake-events", body: body, attributes: ["index": "\(index)"])
        }
        let asset = try Asset(uri: "s3://lake/landing")
        let trigger = S3NotificationTrigger(
            queueTrigger: EmbeddedQueueTrigger(
                queues: queues, queue: "lake-events",
                wait: .milliseconds(200)))
        let watched = asset.watched(by: [
            AssetWatcher(name: "landing", trigger: trigger, extract: S3NotificationTrigger.fileArrival)
        ])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [try DAG("ingest", schedule: .on([watched]), tasks: [TaskDefinition("load") { _ in .none }])],
            assets: [watched])
        let status = try await orchestrator.withServices {
            try await orchestrator.triggerer.waitFor(watcher: "landing") { $0.eventsRecorded + $0.deadLettered == 3 }
        }
        #expect(status.eventsRecorded == 2)
        #expect(status.deadLettered == 1)
        #expect(status.restarts == 0, "the poison message did not take the watcher down")
        let keys = try await orchestrator.scheduler.assetEvents(for: asset.key).compactMap {
            $0.extra["key"]?.stringValue
        }
        #expect(keys == ["landing/1.csv", "landing/2.csv"])
        let letters = try await orchestrator.triggerer.deadLetters.list(source: "landing")
        #expect(letters.count == 1)
        #expect(
            letters.first?.payload["undecodable"]?.stringValue.flatMap { try? JSONValue.parse($0) }
                == (try JSONValue.parse(poison)))
        #expect(try await queues.counts("lake-events") == (0, 0), "every message is gone from the notification queue")
        let moved = try await queues.receive("lake-events-dlq", wait: .zero)
        #expect(moved.map(\.attributes["index"]) == ["1"], "only the poison message went to the queue's DLQ")
    }
}

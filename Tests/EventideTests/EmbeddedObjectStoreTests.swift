import Eventide
import EventideS3
import EventideTesting
import Foundation
import Testing

@Suite("EmbeddedObjectStore: buckets as folders with S3 event notifications", .timeLimit(.minutes(3)))
struct EmbeddedObjectStoreTests {
    @Test(
        "a matching put publishes S3's notification JSON; the S3 trigger reads it from the embedded queue, key decoded")
    func notifications() async throws {
        let database = try TemporaryDatabase.make("object-store")
        let queues = EmbeddedQueue(database: database)
        let store = EmbeddedObjectStore(folder: try TemporaryDatabase.folder("buckets"), queues: queues)
        try await queues.createQueue("landing-events", QueueSettings())
        try await store.createBucket("landing")
        try await store.notify(
            bucket: "landing", queue: "landing-events", events: ["s3:ObjectCreated:*"],
            prefix: "incoming/", suffix: ".csv")
        let etag = try await store.putObject(
            bucket: "landing", key: "incoming/orders 1.csv", body: Data("a,b\n1,2\n".utf8))
        try await store.putObject(bucket: "landing", key: "incoming/readme.txt", body: Data("x".utf8))
        try await store.putObject(bucket: "landing", key: "archive/old.csv", body: Data("x".utf8))
        #expect(etag == "e5ebd4c02cefbe7955977c67ada242b7", "S3's ETag of a single-part put: the MD5 of the body")
        let read = try await store.getObject(bucket: "landing", key: "incoming/orders 1.csv")
        #expect(read.body == Data("a,b\n1,2\n".utf8) && read.etag == etag)
        #expect(
            try await queues.counts("landing-events").visible == 2, "the test event and one record: the filters held")

        let trigger = S3NotificationTrigger(
            queueTrigger: queues.trigger(
                for: "landing-events", visibilityTimeout: nil,
                wait: .seconds(1)))
        var events = try trigger.events().makeAsyncIterator()
        let arrival = try #require(try await events.next())
        let extra = try S3NotificationTrigger.fileArrival(arrival)
        #expect(extra["bucket"] == "landing" && extra["key"] == "incoming/orders 1.csv" && extra["size"] == 8)
        #expect(extra["etag"] == .string(etag) && extra["eventName"] == "ObjectCreated:Put")
        try await arrival.acknowledge()
        #expect(
            try await queues.counts("landing-events") == (0, 0),
            "the test event was dropped, the record deleted once acknowledged")
    }

    @Test("MD5 (S3's ETag) matches RFC 1321's test vectors")
    func md5() {
        #expect(MD5.hex(Data()) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Data("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(
            MD5.hex(Data("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8))
                == "57edf4a22be3c955ac49da2e2107b67a")
    }

    @Test("bad bucket names, bad keys and a missing object are typed errors")
    func errors() async throws {
        let queues = EmbeddedQueue(database: try TemporaryDatabase.make("object-store-errors"))
        let store = EmbeddedObjectStore(folder: try TemporaryDatabase.folder("buckets"), queues: queues)
        await #expect(throws: ObjectStoreError.self) { try await store.createBucket("No_Such") }
        try await store.createBucket("data")
        await #expect(throws: ObjectStoreError.self) {
            try await store.putObject(bucket: "data", key: "../escape", body: Data())
        }
        await #expect(throws: ObjectStoreError.self) {
            _ = try await store.getObject(bucket: "data", key: "missing.csv")
        }
        await #expect(throws: ObjectStoreError.self) {
            try await store.notify(bucket: "nope", queue: "q", events: ["s3:ObjectCreated:*"], prefix: nil, suffix: nil)
        }
    }
}

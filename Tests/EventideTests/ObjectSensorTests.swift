import Eventide
import EventideAWS
import EventideGCS
import EventideS3
import EventideTesting
import Foundation
import Testing

/// ObjectKeyQuery, S3KeySensor and GCSObjectExistenceSensor on the embedded buckets, S3 (moto) and GCS
/// (fake-gcs-server); the servers' tests are skipped with the reason when the server is not running.
@Suite("Object sensors: S3KeySensor, GCSObjectExistenceSensor", .timeLimit(.minutes(3)))
struct ObjectSensorTests {
    func embedded() async throws -> EmbeddedObjectStore {
        let database = try TemporaryDatabase.make("object-sensors")
        let store = EmbeddedObjectStore(
            folder: try TemporaryDatabase.folder("buckets"), queues: EmbeddedQueue(database: database))
        try await store.createBucket("landing")
        return store
    }

    func body(_ text: String = "id\n1\n") -> Data { Data(text.utf8) }

    @Test("95.3.2/2 wildcard keys match across '/', every key must match, exact keys need the exact object")
    func queryOnEmbeddedBuckets() async throws {
        let store = try await embedded()
        let wildcard = ObjectKeyQuery(bucket: "landing", keys: ["exports/*/orders.csv"], wildcard: true)
        #expect(try await wildcard.matches(in: store) == nil)
        try await store.putObject(bucket: "landing", key: "exports/2026/12/orders.csv", body: body())
        try await store.putObject(bucket: "landing", key: "exports/2026/12/returns.csv", body: body())
        #expect(try await wildcard.matches(in: store)?.map(\.key) == ["exports/2026/12/orders.csv"])
        let literal = ObjectKeyQuery(bucket: "landing", keys: ["exports/*/orders.csv"], wildcard: false)
        #expect(try await literal.matches(in: store) == nil, "without wildcardMatch the * is part of the key")
        let both = ObjectKeyQuery(bucket: "landing", keys: ["exports/2026/12/orders.csv", "done.flag"])
        #expect(try await both.matches(in: store) == nil)
        try await store.putObject(bucket: "landing", key: "done.flag", body: Data())
        let found = try #require(try await both.matches(in: store))
        #expect(found.map(\.key) == ["exports/2026/12/orders.csv", "done.flag"])
        #expect(found.first?.size == 5)
        #expect(
            found.first?.etag == (try await store.getObject(bucket: "landing", key: "exports/2026/12/orders.csv")).etag)
        await #expect(throws: ObjectStoreError.noSuchBucket("absent")) {
            try await ObjectKeyQuery(bucket: "absent", keys: ["x"]).matches(in: store)
        }
    }

    @Test(
        "95.3.2/2 S3KeySensor: check_fn must hold; s3:// keys name the bucket; bucket and s3:// keys together refused")
    func s3KeySensorArguments() async throws {
        let store = try await embedded()
        try await store.putObject(bucket: "landing", key: "in/empty.csv", body: Data())
        let nonEmpty = S3KeySensor(
            bucketName: "landing", bucketKeys: ["in/*.csv"], wildcardMatch: true, objects: store,
            checkFn: { $0.allSatisfy { $0.size > 0 } })
        let query = try nonEmpty.query(taskId: "t")
        #expect(try await query.poke(in: store, checkFn: nonEmpty.checkFn) == .notDone)
        try await store.putObject(bucket: "landing", key: "in/empty.csv", body: body())
        #expect(try await query.poke(in: store, checkFn: nonEmpty.checkFn).isDone)
        let byURL = S3KeySensor(bucketKeys: ["s3://landing/in/empty.csv"], objects: store)
        #expect(try byURL.query(taskId: "t") == ObjectKeyQuery(bucket: "landing", keys: ["in/empty.csv"]))
        #expect(throws: SensorError.self) {
            try S3KeySensor(bucketName: "landing", bucketKeys: ["s3://landing/x"], objects: store).query(taskId: "t")
        }
        #expect(throws: SensorError.self) {
            try S3KeySensor(bucketKeys: ["s3://a/x", "s3://b/y"], objects: store).query(taskId: "t")
        }
    }

    @Test("95.3.2/4 deferrable object sensor: no slot while deferred, the triggerer checks on the clock")
    func deferrableObjectSensor() async throws {
        let store = try await embedded()
        let sensor = GCSObjectExistenceSensor(bucket: "landing", object: "exports/orders.csv", objects: store)
        let settings = SensorSettings(mode: .deferrable, pokeInterval: .seconds(5), timeout: .seconds(60))
        let h = try await SensorHarness([try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)])])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.waitForState(ref, "sense", .deferred)
            try await h.clock.waitForSleepers(2)  // the trigger's interval and the deferral's timeout
            #expect(h.slots.snapshot().inUse == 0)
            try await h.step(.seconds(5), sleepers: 2)
            try await store.putObject(bucket: "landing", key: "exports/orders.csv", body: body())
            await h.clock.advance(by: .seconds(5))
            return try await h.finished("wait")
        }
        #expect(run.state == .success)
        #expect(sensor.pokes.current == 1)
        #expect(sensor.triggerPokes.current == 3)
        #expect(run.task("sense")?.returnValue?["count"] == 1)
    }

    @Test("95.3.2/3 GCSClient refuses an endpoint that is not http(s) with a host and a valid port")
    func gcsEndpointRefused() throws {
        for text in ["ftp://127.0.0.1:4443", "http://127.0.0.1:0"] {
            let url = try #require(URL(string: text))
            #expect(throws: GCSError.self) { _ = try GCSClient(endpoint: url) }
        }
    }

    static var unique: String { String(UInt32.random(in: 0...UInt32.max), radix: 16) }

    @Test(
        "95.3.2/2 S3 (moto): ListObjectsV2 under a prefix, HeadObject, S3KeySensor's wildcard query",
        .enabled(
            if: LocalServer.moto.isRunning, "moto is not running on 127.0.0.1:5000; start it with scripts/servers up"))
    func s3OnMoto() async throws {
        let s3 = S3Client(
            endpoint: LocalServer.moto.url,
            credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))
        let bucket = "sensor-\(Self.unique)"
        try await s3.createBucket(bucket)
        #expect(try await s3.object(bucket: bucket, key: "exports/a b/orders.csv") == nil)
        try await s3.putObject(bucket: bucket, key: "exports/a b/orders.csv", body: body())
        try await s3.putObject(bucket: bucket, key: "exports/c/returns.csv", body: body("x"))
        try await s3.putObject(bucket: bucket, key: "other.csv", body: body())
        #expect(
            try await s3.listObjects(bucket: bucket, prefix: "exports/").map(\.key) == [
                "exports/a b/orders.csv", "exports/c/returns.csv",
            ])
        let head = try #require(try await s3.object(bucket: bucket, key: "exports/a b/orders.csv"))
        #expect(head.size == 5)
        #expect(head.etag.count == 32)
        let query = ObjectKeyQuery(bucket: bucket, keys: ["exports/*/orders.csv"], wildcard: true)
        #expect(try await query.matches(in: s3)?.map(\.key) == ["exports/a b/orders.csv"])
    }

    @Test(
        "95.3.2/3 GCS (fake-gcs-server): buckets, uploads, metadata, listings, and the sensor in both modes",
        .enabled(
            if: LocalServer.gcs.isRunning, "fake-gcs-server is not running on 127.0.0.1:4443; scripts/servers up gcs"))
    func gcsOnFakeServer() async throws {
        let gcs = try GCSClient(endpoint: LocalServer.gcs.url)
        let bucket = "sensor-\(Self.unique)"
        try await gcs.createBucket(bucket)
        await #expect(throws: GCSError.self) { try await gcs.createBucket(bucket) }  // 409: it exists
        #expect(try await gcs.metadata(bucket: bucket, name: "exports/orders.csv") == nil)
        let uploaded = try await gcs.upload(bucket: bucket, name: "exports/orders.csv", body: body())
        #expect(uploaded.size == 5)
        try await gcs.upload(bucket: bucket, name: "exports/x/returns.csv", body: body())
        let metadata = try #require(try await gcs.metadata(bucket: bucket, name: "exports/orders.csv"))
        #expect(metadata.name == "exports/orders.csv")
        #expect(metadata.generation == uploaded.generation)
        #expect(
            try await gcs.listObjects(bucket: bucket, prefix: "exports/").map(\.key) == [
                "exports/orders.csv", "exports/x/returns.csv",
            ])
        for mode in [SensorMode.poke, .deferrable] {
            let sensor = GCSObjectExistenceSensor(
                bucket: bucket, object: "exports/*/returns.csv", useGlob: true, objects: gcs)
            let settings = SensorSettings(mode: mode, pokeInterval: .seconds(5), timeout: .seconds(60))
            let h = try await SensorHarness([try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)])])
            let run = try await h.orchestrator.withServices {
                try await h.scheduler.triggerRun("wait")
                return try await h.finished("wait")
            }
            #expect(run.state == .success, "\(mode)")
            #expect(run.task("sense")?.returnValue?["count"] == 1, "\(mode)")
        }
    }
}

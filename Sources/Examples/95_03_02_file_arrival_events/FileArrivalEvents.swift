import Eventide
import EventideGCS
import EventideS3
import Foundation

/// 95.3.2 — reacting to file arrivals: a `FileSensor` on a local glob, an `S3KeySensor` on a wildcard key and a
/// `GCSObjectExistenceSensor` on an object name, each in poke mode (the task holds a worker slot and pokes) and
/// deferrable mode (the task holds nothing: the file sensor waits on inotify, the object sensors are checked in
/// the triggerer). The task after each sensor receives what arrived.
enum FileArrivalEvents {
    // [START sensors]
    /// Where files land: a local folder, an S3 bucket and a GCS bucket (embedded buckets, or S3 and GCS servers).
    struct Landing: Sendable {
        let folder: URL
        let s3: any ObjectListing
        let s3Bucket: String
        let gcs: any ObjectListing
        let gcsBucket: String
    }

    /// One sensor of each kind: a glob on disk, a wildcard S3 key, a GCS object name.
    struct Sensors: Sendable {
        let file: FileSensor
        let s3: S3KeySensor
        let gcs: GCSObjectExistenceSensor

        init(_ landing: Landing) {
            file = FileSensor(path: landing.folder.appendingPathComponent("orders_*.csv").path)
            s3 = S3KeySensor(
                bucketName: landing.s3Bucket, bucketKeys: ["exports/*/orders.csv"], wildcardMatch: true,
                objects: landing.s3, checkFn: { objects in objects.allSatisfy { $0.size > 0 } })
            gcs = GCSObjectExistenceSensor(
                bucket: landing.gcsBucket, object: "exports/orders.csv", objects: landing.gcs)
        }
    }
    // [END sensors]

    // [START dags]
    /// A sensor task, then a task that reads what the sensor found (its return value, Airflow's XCom).
    static func dag(_ dagId: String, sensor: some Sensor, mode: SensorMode) throws -> DAG {
        let settings = SensorSettings(mode: mode, pokeInterval: .milliseconds(200), timeout: .seconds(30))
        return try DAG(
            dagId,
            tasks: [
                .sensor("wait_for_file", sensor, settings: settings),
                TaskDefinition("process", upstream: ["wait_for_file"]) { context in
                    let found = context.upstreamValues["wait_for_file"] ?? .null
                    let first = firstField(found["files"], "path") ?? firstField(found["objects"], "key")
                    return TaskOutput(value: ["received": first ?? .null, "watch": found["watch"] ?? .null])
                },
            ])
    }

    /// `field` of the first element of a JSON array.
    static func firstField(_ list: JSONValue?, _ field: String) -> JSONValue? {
        guard case .array(let items)? = list, let first = items.first else { return nil }
        return first[field]
    }
    // [END dags]
}

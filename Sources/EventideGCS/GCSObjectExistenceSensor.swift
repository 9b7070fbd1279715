import Eventide

/// Waits until an object exists in a GCS bucket (Airflow's `GCSObjectExistenceSensor`): `object` is a name, or
/// a glob pattern with `useGlob` (listed under the pattern's literal prefix). Done with
/// `{"bucket", "objects": [{"key", "size", "etag", "updated_at"}], "count"}`.
///
/// `objects` is where the bucket lives: `GCSClient` (GCS, fake-gcs-server) or the embedded buckets. In deferrable
/// mode the task defers to a trigger that checks every `pokeInterval` in the triggerer (as Airflow's
/// `GCSBlobTrigger` does), holding no worker slot.
///
/// ```swift
/// let sensor = GCSObjectExistenceSensor(bucket: "landing", object: "exports/orders.csv",
///                                       objects: try GCSClient(endpoint: URL(string: "http://127.0.0.1:4443")!))
/// TaskDefinition.sensor("wait_export", sensor, settings: SensorSettings(mode: .deferrable, pokeInterval: .seconds(5)))
/// ```
public struct GCSObjectExistenceSensor: Sensor {
    public let query: ObjectKeyQuery
    public let objects: any ObjectListing
    /// Pokes made by the task, and checks made by the deferrable mode's trigger in the triggerer.
    public let pokes = Counter()
    public let triggerPokes = Counter()

    public init(bucket: String, object: String, useGlob: Bool = false, objects: any ObjectListing) {
        query = ObjectKeyQuery(bucket: bucket, keys: [object], wildcard: useGlob)
        self.objects = objects
    }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        pokes.next()
        return try await query.poke(in: objects)
    }

    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
        query.trigger(in: objects, interval: context.settings.pokeInterval, clock: context.clock, pokes: triggerPokes)
    }
}

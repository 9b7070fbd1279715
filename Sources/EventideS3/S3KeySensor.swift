import Eventide

/// Waits until one or more keys exist in an S3 bucket (Airflow's `S3KeySensor`): `bucketKeys` are exact keys,
/// or fnmatch patterns with `wildcardMatch` (listed under the pattern's literal prefix, so a `*` crosses `/`);
/// every key must match. A key may be a full `s3://bucket/key` URL when `bucketName` is `nil`. `checkFn`, when
/// given, must also hold for the matched objects (e.g. a minimum size). Done with
/// `{"bucket", "objects": [{"key", "size", "etag", "updated_at"}], "count"}`.
///
/// `objects` is where the bucket lives: `S3Client` (S3, moto) or the embedded buckets. In deferrable mode the
/// task defers to a trigger that lists the bucket every `pokeInterval` in the triggerer (as Airflow's
/// `S3KeyTrigger` does), holding no worker slot.
///
/// ```swift
/// let sensor = S3KeySensor(bucketName: "landing", bucketKeys: ["exports/*/orders.csv"], wildcardMatch: true,
///                          objects: S3Client(endpoint: moto, credentials: credentials))
/// TaskDefinition.sensor("wait_export", sensor, settings: SensorSettings(mode: .deferrable, pokeInterval: .seconds(5)))
/// ```
public struct S3KeySensor: Sensor {
    public let bucketName: String?
    public let bucketKeys: [String]
    public let wildcardMatch: Bool
    public let objects: any ObjectListing
    public let checkFn: (@Sendable ([StoredObject]) -> Bool)?
    /// Pokes made by the task, and listings made by the deferrable mode's trigger in the triggerer.
    public let pokes = Counter()
    public let triggerPokes = Counter()

    public init(
        bucketName: String? = nil, bucketKeys: [String], wildcardMatch: Bool = false, objects: any ObjectListing,
        checkFn: (@Sendable ([StoredObject]) -> Bool)? = nil
    ) {
        self.bucketName = bucketName
        self.bucketKeys = bucketKeys
        self.wildcardMatch = wildcardMatch
        self.objects = objects
        self.checkFn = checkFn
    }

    /// The bucket and keys: `bucketName` with the keys as given, or each key's `s3://bucket/…` URL (one bucket).
    public func query(taskId: String) throws(SensorError) -> ObjectKeyQuery {
        if let bucketName {
            guard !bucketKeys.contains(where: { $0.hasPrefix("s3://") }) else {
                throw .invalidArguments(taskId: taskId, reason: "give bucketName or s3:// keys, not both")
            }
            return ObjectKeyQuery(bucket: bucketName, keys: bucketKeys, wildcard: wildcardMatch)
        }
        var buckets: Set<String> = []
        var keys: [String] = []
        for url in bucketKeys {
            let parts = url.dropFirst("s3://".count).split(separator: "/", maxSplits: 1)
            guard url.hasPrefix("s3://"), parts.count == 2 else {
                throw .invalidArguments(
                    taskId: taskId, reason: "'\(url)' is not s3://bucket/key and no bucketName is given")
            }
            buckets.insert(String(parts[0]))
            keys.append(String(parts[1]))
        }
        guard buckets.count == 1, let bucket = buckets.first else {
            throw .invalidArguments(
                taskId: taskId, reason: "the keys name \(buckets.count) buckets; one sensor waits on one")
        }
        return ObjectKeyQuery(bucket: bucket, keys: keys, wildcard: wildcardMatch)
    }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        pokes.next()
        return try await query(taskId: context.task.taskId).poke(in: objects, checkFn: checkFn)
    }

    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
        try query(taskId: context.task.taskId).trigger(
            in: objects, interval: context.settings.pokeInterval, clock: context.clock, pokes: triggerPokes,
            checkFn: checkFn)
    }
}

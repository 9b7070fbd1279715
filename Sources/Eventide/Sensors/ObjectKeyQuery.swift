import Foundation

/// What an object sensor waits for: every key of a bucket present, each key either exact or a wildcard
/// pattern (fnmatch: `*` crosses `/`), in any `ObjectListing` (embedded buckets, S3, GCS). `S3KeySensor` and
/// `GCSObjectExistenceSensor` poke with it, and defer to `trigger(_:)`, which checks it in the triggerer.
///
/// ```swift
/// let query = ObjectKeyQuery(bucket: "landing", keys: ["exports/*/orders.csv"], wildcard: true)
/// let found = try await query.matches(in: s3)     // nil until some object matches
/// ```
public struct ObjectKeyQuery: Sendable, Hashable, CustomStringConvertible {
    public let bucket: String
    public let keys: [String]
    public let wildcard: Bool

    public init(bucket: String, keys: [String], wildcard: Bool = false) {
        self.bucket = bucket
        self.keys = keys
        self.wildcard = wildcard
    }

    public var description: String {
        "\(bucket)/" + (keys.count == 1 ? keys.joined() : "{\(keys.joined(separator: ","))}")
    }

    /// The objects that match, key by key, or `nil` while some key has no match (or there are no keys).
    public func matches(in objects: any ObjectListing) async throws -> [StoredObject]? {
        guard !keys.isEmpty else { return nil }
        var found: [StoredObject] = []
        for key in keys {
            let pattern = GlobPattern(key)
            let matches: [StoredObject]
            if wildcard && pattern.hasWildcards {
                matches = try await objects.listObjects(bucket: bucket, prefix: pattern.literalPrefix)
                    .filter { pattern.matches($0.key) }
            } else {
                matches = try await objects.object(bucket: bucket, key: key).map { [$0] } ?? []
            }
            guard !matches.isEmpty else { return nil }
            found += matches
        }
        return found
    }

    /// The sensor's return value: `{"bucket", "objects": [{"key", "size", "etag", "updated_at"}], "count"}`.
    public func result(_ objects: [StoredObject]) -> JSONValue {
        [
            "bucket": .string(bucket), "count": .number(Double(objects.count)),
            "objects": .array(
                objects.map { object in
                    var fields: [String: JSONValue] = [
                        "key": .string(object.key), "size": .number(Double(object.size)), "etag": .string(object.etag),
                    ]
                    if let updated = object.updatedAt { fields["updated_at"] = .string(EventTime.format(updated)) }
                    return .object(fields)
                }),
        ]
    }

    /// The deferrable mode's trigger: checks the query every `interval` in the triggerer (`pokes` counts them),
    /// firing with `result` (and `checkFn`, when given, must hold too).
    public func trigger(
        in objects: any ObjectListing, interval: Duration, clock: EventideClock, pokes: Counter,
        checkFn: (@Sendable ([StoredObject]) -> Bool)? = nil
    ) -> PokeTrigger {
        PokeTrigger(name: "\(objects) \(self)", interval: interval, clock: clock, pokes: pokes) {
            guard let found = try await matches(in: objects), checkFn?(found) ?? true else { return nil }
            return result(found)
        }
    }

    /// One poke: done with `result` once every key matches (and `checkFn` holds).
    public func poke(
        in objects: any ObjectListing, checkFn: (@Sendable ([StoredObject]) -> Bool)? = nil
    ) async throws -> PokeReturnValue {
        guard let found = try await matches(in: objects), checkFn?(found) ?? true else { return .notDone }
        return .done(result(found))
    }
}

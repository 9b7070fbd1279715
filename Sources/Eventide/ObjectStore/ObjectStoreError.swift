/// What the embedded object store refused, with S3's error code for the same refusal.
public enum ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchBucket(String)
    case noSuchKey(bucket: String, key: String)
    case invalidKey(String)
    case invalidBucketName(String)

    /// The code S3 answers with.
    public var code: String {
        switch self {
        case .noSuchBucket: "NoSuchBucket"
        case .noSuchKey: "NoSuchKey"
        case .invalidKey: "InvalidKey"
        case .invalidBucketName: "InvalidBucketName"
        }
    }

    public var description: String {
        switch self {
        case .noSuchBucket(let bucket): "the bucket \(bucket) does not exist; create it with createBucket first"
        case .noSuchKey(let bucket, let key): "no object \(bucket)/\(key); put it first or check the key"
        case .invalidKey(let key): "the key '\(key)' cannot be stored (empty, absolute, or containing '..')"
        case .invalidBucketName(let bucket):
            "'\(bucket)' is not a bucket name (3–63 lowercase letters, digits, '-' or '.')"
        }
    }
}

/// Chooses a record's partition from its key as Java Kafka's default partitioner does (and librdkafka's
/// `murmur2_random`): `positive(murmur2(key)) % partitions`, so producers in any client agree on where a key
/// goes. Records without a key go round-robin.
public struct Murmur2Partitioner: Sendable {
    public init() {}

    /// Kafka's murmur2 (seed 0x9747b28c), as a signed 32-bit value like Java's `Utils.murmur2`.
    public static func murmur2(_ data: [UInt8]) -> Int32 {
        let length = data.count
        let seed: UInt32 = 0x9747_B28C
        let m: UInt32 = 0x5BD1_E995
        let r: UInt32 = 24
        var h = seed ^ UInt32(truncatingIfNeeded: length)
        let length4 = length / 4
        for i in 0..<length4 {
            let i4 = i * 4
            var k =
                UInt32(data[i4]) | UInt32(data[i4 + 1]) << 8 | UInt32(data[i4 + 2]) << 16 | UInt32(data[i4 + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = length & ~3
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h &*= m
        case 1:
            h ^= UInt32(data[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition for `key` among `partitions` partitions.
    public func partition(forKey key: [UInt8], partitions: Int) -> Int32 {
        Int32((Self.murmur2(key) & 0x7FFF_FFFF) % Int32(partitions))
    }
}

/// Maps a key to a partition with a hash that is stable across processes and runs (FNV-1a, 32 bit):
/// Swift's `hashValue` is seeded per process and must never decide where data lives.
public enum Partitioner {
    public static func partition(forKey key: String, partitions: Int) -> Int {
        precondition(partitions > 0, "a topic has at least one partition")
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash &*= 16_777_619
        }
        return Int(hash % UInt32(partitions))
    }
}

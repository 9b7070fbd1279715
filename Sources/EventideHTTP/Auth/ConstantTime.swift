/// Comparisons whose duration does not depend on where the inputs differ (for secrets and their digests).
enum ConstantTime {
    /// Whether two byte sequences are equal, looking at every byte of the longer one whatever the contents.
    static func equal<A: Sequence<UInt8>, B: Sequence<UInt8>>(_ a: A, _ b: B) -> Bool {
        let left = Array(a), right = Array(b)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        difference |= left.count == right.count ? 0 : 1
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// The TCP port a URI, a connection or a `host:port` flag names: 1–65535. Every place that accepts an address
/// from outside checks it here, so that a port that does not fit becomes a typed error where it is read,
/// instead of a trap deep in the network stack (NIO's `SocketAddress` takes a `UInt16`). A port too large for
/// an `Int` never gets here: Foundation's URL types refuse the whole URL.
public enum NetworkPort {
    public static let valid: ClosedRange<Int> = 1...65_535

    /// Why `port` cannot be used, or `nil` when it is absent (the scheme's default applies) or valid.
    public static func problem(_ port: Int?) -> String? {
        guard let port, !valid.contains(port) else { return nil }
        return "the port \(port) is not a TCP port (\(valid.lowerBound)–\(valid.upperBound))"
    }
}

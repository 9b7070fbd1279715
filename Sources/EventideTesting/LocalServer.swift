import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server that `scripts/servers up` starts on loopback for integration tests.
public struct LocalServer: Sendable {
    public let name: String
    public let port: UInt16

    public init(name: String, port: UInt16) {
        self.name = name
        self.port = port
    }

    public static let moto = LocalServer(name: "moto", port: 5000)

    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Whether something accepts TCP connections on 127.0.0.1 at the port. Three tries 100 ms apart: on a loaded
    /// machine one connect to a running server was seen to fail (a test then skipped, and its box stayed unticked).
    public var isRunning: Bool {
        for attempt in 0..<3 {
            if attempt > 0 { usleep(100_000) }
            if accepts() { return true }
        }
        return false
    }

    private func accepts() -> Bool {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        #else
            return false
        #endif
    }
}

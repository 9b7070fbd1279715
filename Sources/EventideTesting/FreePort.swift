import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP port on 127.0.0.1 that nothing listens on now: the kernel picks it for a socket bound to port 0.
/// For a private server a test kills and restarts without disturbing the shared ones of `scripts/servers`.
public enum FreePort {
    public static func find() throws -> UInt16 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw FreePortError(errno: errno) }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard bound else { throw FreePortError(errno: errno) }
            return UInt16(bigEndian: address.sin_port)
        #else
            throw FreePortError(errno: 0)
        #endif
    }
}

public struct FreePortError: Error, CustomStringConvertible {
    public let errno: Int32
    public var description: String {
        "could not find a free port on 127.0.0.1 (errno \(errno)); is the loopback interface up?"
    }
}

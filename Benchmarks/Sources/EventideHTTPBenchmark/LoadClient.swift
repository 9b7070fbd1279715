import ArgumentParser
import Foundation

/// `--client`: which load client measures the rates.
enum LoadClientChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, wrk, swift
}

/// The client that sends the load: wrk (a separate process in C, so it takes little of the two cores the server
/// shares with it, and does not cap the bare route), or the Swift client inside this process.
enum LoadClient: Sendable, CustomStringConvertible {
    case wrk(path: String)
    case swift

    /// wrk when it is installed (on `PATH`) and `choice` allows it; the Swift client otherwise.
    static func select(_ choice: LoadClientChoice) throws -> LoadClient {
        let found = wrkPath()
        switch choice {
        case .swift: return .swift
        case .auto: return found.map { .wrk(path: $0) } ?? .swift
        case .wrk:
            guard let found else {
                throw ValidationError("--client wrk: wrk is not on PATH (Debian: apt-get install wrk)")
            }
            return .wrk(path: found)
        }
    }

    static func wrkPath() -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/wrk" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    var description: String {
        switch self {
        case .wrk(let path): "wrk (\(path), one thread, its own process)"
        case .swift: "the Swift client (AsyncHTTPClient, in this process; wrk is not installed)"
        }
    }
}

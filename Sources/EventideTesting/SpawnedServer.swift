import Foundation

/// A server process a test starts itself on a port of its own, so that it can kill and restart it without
/// disturbing the shared servers of `scripts/servers` (e.g. a second moto for a fault-injection test).
public final class SpawnedServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the server, one call at a time.
    public let server: LocalServer
    let command: [String]
    private var process: Process?

    /// `command` runs through `/usr/bin/env`, so it is looked up on PATH.
    public init(name: String, port: UInt16, command: [String]) {
        server = LocalServer(name: name, port: port)
        self.command = command
    }

    /// Starts the process and waits (at most `timeout`) until it accepts connections.
    public func start(timeout: Duration = .seconds(30)) async throws {
        guard !server.isRunning else { throw SpawnedServerError.portInUse(server.port) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + timeout
        // Polling a port: the child gives no other signal that it is ready. Bounded by `timeout`.
        while !server.isRunning {
            guard process.isRunning else {
                throw SpawnedServerError.exited(command.joined(separator: " "), process.terminationStatus)
            }
            guard ContinuousClock.now < deadline else {
                kill()
                throw SpawnedServerError.notReady(command.joined(separator: " "), timeout)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Kills the process with SIGKILL (a crash, not a shutdown) and waits until it is gone.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }
}

public enum SpawnedServerError: Error, CustomStringConvertible {
    case portInUse(UInt16)
    case exited(String, Int32)
    case notReady(String, Duration)

    public var description: String {
        switch self {
        case .portInUse(let port): "port \(port) is already in use on 127.0.0.1; stop what listens there"
        case .exited(let command, let status):
            "'\(command)' exited with status \(status) before it accepted connections"
        case .notReady(let command, let timeout): "'\(command)' did not accept connections within \(timeout)"
        }
    }
}

import EventideKafka
import EventideTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the tests against tansu share: the broker's configuration, fresh topic names, bounded polling and
/// the repository's scripts (interop partner, a private broker to kill and restart).
enum Tansu {
    /// The shared broker may be busy with the other suites' tests (and a cold tansu answers its first request only
    /// after loading its storage): a connection gets 10 s, not the 2 s a service would give it (a loaded CI run once
    /// missed the first ApiVersions by that margin).
    static let configuration = KafkaConfiguration(
        host: "127.0.0.1", port: Int(LocalServer.tansu.port),
        clientId: "eventide-tests", connectTimeout: .seconds(10), firstConnectDeadline: .seconds(20))
    /// tansu answers JoinGroup after about half the session timeout: tests keep it short.
    static let sessionTimeout: Duration = .seconds(2)
    static let bootstrap = "127.0.0.1:\(LocalServer.tansu.port)"
    static let repository = RepositoryScript.root

    static func name(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func consumer(_ client: KafkaClient, group: String, topic: String) -> KafkaConsumer {
        KafkaConsumer(
            client: client, group: group, topics: [topic], sessionTimeout: sessionTimeout,
            fetchMaxWait: .milliseconds(200))
    }

    /// Polls until `count` records arrived or `timeout` passed; returns what arrived.
    static func poll(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(20)) async throws
        -> [KafkaRecord]
    {
        let deadline = ContinuousClock.now + timeout
        var records: [KafkaRecord] = []
        while records.count < count && ContinuousClock.now < deadline {
            records += try await consumer.poll()
        }
        return records
    }

    /// Polls (keeping the member alive) until `condition` holds for the consumer or `timeout` passed.
    static func poll(
        _ consumer: KafkaConsumer, until condition: @Sendable (KafkaConsumer) async -> Bool,
        timeout: Duration = .seconds(20)
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            _ = try await consumer.poll()
            if await condition(consumer) { return true }
        }
        return false
    }

    /// Runs a command from the repository root; returns its standard output, throwing on a non-zero exit.
    static func run(_ arguments: [String]) async throws -> String {
        try await Task.detached {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.currentDirectoryURL = repository
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            async let stderrData = err.fileHandleForReading.readDataToEndOfFile()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = await stderrData
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw RepositoryScript.Failed(
                    command: arguments.joined(separator: " "), status: process.terminationStatus,
                    output: String(decoding: stderr, as: UTF8.self))
            }
            return String(decoding: stdout, as: UTF8.self)
        }.value
    }

    /// The JSON lines `scripts/kafka/interop.py` printed.
    static func interop(_ arguments: [String]) async throws -> [[String: Any]] {
        let output = try await run(["python3", "scripts/kafka/interop.py"] + arguments + ["--bootstrap", bootstrap])
        return output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A broker of the test's own (`scripts/servers admin tansu private NAME PORT`), on a free port and its own
    /// bucket of tansu's S3 store: a test that kills its broker must not take the shared one from the other suites
    /// (the catalog's tansu tests run beside this one, in other processes).
    struct PrivateBroker {
        let name: String
        let port: UInt16
        var configuration: KafkaConfiguration {
            KafkaConfiguration(host: "127.0.0.1", port: Int(port), clientId: "eventide-tests")
        }
        private var server: LocalServer { LocalServer(name: "tansu-private-\(name)", port: port) }
        private var pidFile: URL { repository.appendingPathComponent(".build/servers/tansu-private-\(name).pid") }

        /// Runs `body` with a new broker on a free port, and stops that broker afterwards (also when `body` threw).
        static func with<T>(_ prefix: String, _ body: (PrivateBroker) async throws -> T) async throws -> T {
            let broker = PrivateBroker(name: Tansu.name(prefix), port: try FreePort.find())
            try await broker.start()
            do {
                let result = try await body(broker)
                try await broker.kill()
                return result
            } catch {
                try? await broker.kill()
                throw error
            }
        }

        /// Starts the broker (again, on the same data) and returns once it answers.
        func start() async throws {
            try await RepositoryScript.servers(
                ["admin", "tansu", "private", name, String(port)], log: "tansu-private-\(name)-start")
        }

        /// SIGKILL by the PID the script recorded; returns once the broker stopped answering.
        func kill() async throws {
            let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let pid = Int32(text) else {
                throw RepositoryScript.Failed(command: "read \(pidFile.path)", status: -1, output: text)
            }
            _ = Glibc.kill(pid, SIGKILL)
            try? FileManager.default.removeItem(at: pidFile)
            let deadline = ContinuousClock.now + .seconds(5)
            while server.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        }
    }
}

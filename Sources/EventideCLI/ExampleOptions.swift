import ArgumentParser
import Eventide
import Foundation
import Logging
import Synchronization

/// Flags every example accepts.
public struct ExampleOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("db"), help: "SQLite database file (default: a new one in a temporary folder).")
    public var databasePath: String?

    @Flag(
        name: .customLong("keep"),
        help: "Keep the temporary database folder when the example exits (its path goes to stderr).")
    public var keep = false

    @Flag(name: .customLong("json"), help: "Print the outcome as JSON instead of the narrative.")
    public var json = false

    @Option(
        name: .customLong("log-level"),
        help: "Runtime log level on stderr: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: String = "error"

    public init() {}

    public mutating func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    private static let loggingBootstrapped = Mutex(false)

    /// Opens the database the flags name, or a fresh temporary one (and sets the runtime's log level). Prefer
    /// ``run(prefix:_:)``, which also removes a temporary store when the example is done.
    public func openDatabase(prefix: String) throws -> EventideDatabase {
        let level = Logger.Level(rawValue: logLevel) ?? .error
        Self.loggingBootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        if let databasePath { return try EventideDatabase(path: databasePath) }
        return try EventideDatabase.temporary(prefix: prefix)
    }

    /// Opens the store, runs `scenario` on it, prints its report (the narrative, or JSON with `--json`), and
    /// removes the temporary folder of a default store on every path out, unless `--keep` was given. A store
    /// named with `--db` is the user's and is never removed.
    public func run<Outcome>(
        prefix: String, _ scenario: (EventideDatabase) async throws -> ExampleReport<Outcome>
    ) async throws {
        let database = try openDatabase(prefix: prefix)
        let temporaryFolder =
            databasePath == nil ? URL(fileURLWithPath: database.path).deletingLastPathComponent() : nil
        defer {
            if let temporaryFolder {
                if keep {
                    FileHandle.standardError.write(Data("kept the example's store: \(database.path)\n".utf8))
                } else {
                    try? FileManager.default.removeItem(at: temporaryFolder)
                }
            }
        }
        let report = try await scenario(database)
        print(report.render(json: json))
    }
}

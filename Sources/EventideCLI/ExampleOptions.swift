import ArgumentParser
import Eventide
import Logging
import Synchronization

/// Flags every example accepts.
public struct ExampleOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("db"), help: "SQLite database file (default: a new one in a temporary folder).")
    public var databasePath: String?

    @Flag(name: .customLong("json"), help: "Print the outcome as JSON instead of the narrative.")
    public var json = false

    @Option(name: .customLong("log-level"),
            help: "Runtime log level on stderr: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: String = "error"

    public init() {}

    public mutating func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    private static let loggingBootstrapped = Mutex(false)

    /// Opens the database the flags name, or a fresh temporary one (and sets the runtime's log level).
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
}

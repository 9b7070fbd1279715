import ArgumentParser
import Eventide

/// Flags every example accepts.
public struct ExampleOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("db"), help: "SQLite database file (default: a new one in a temporary folder).")
    public var databasePath: String?

    @Flag(name: .customLong("json"), help: "Print the outcome as JSON instead of the narrative.")
    public var json = false

    public init() {}

    /// Opens the database the flags name, or a fresh temporary one.
    public func openDatabase(prefix: String) throws -> EventideDatabase {
        if let databasePath { return try EventideDatabase(path: databasePath) }
        return try EventideDatabase.temporary(prefix: prefix)
    }
}

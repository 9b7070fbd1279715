import ArgumentParser
import Eventide
import Foundation

/// `--db`, shared by every subcommand.
struct StoreOption: ParsableArguments {
    @Option(help: "The store: the SQLite file a program wrote.") var db: String

    func deadLetters() throws -> DeadLetterQueue {
        guard FileManager.default.fileExists(atPath: db) else { throw DLQToolError.noStore(path: db) }
        return DeadLetterQueue(database: try EventideDatabase(path: db))
    }
}

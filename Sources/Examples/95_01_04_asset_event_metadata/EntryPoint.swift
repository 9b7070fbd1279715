import ArgumentParser
import EventideCLI

@main
struct AssetEventMetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_04_asset_event_metadata",
        abstract: "95.1.4 Asset Event Metadata: pass data from producer to consumer in the asset event's extra.",
        discussion: """
            export_orders writes a real CSV file and emits an event whose extra holds its path, row count, \
            FNV-1a checksum and schema version (a claim check: a pointer, not the data). load_orders validates the \
            extra against the shared schema, re-reads the file and verifies row count and checksum. --bad-run N \
            emits metadata that breaks the schema; --tamper-run N appends a row to that export's file after its \
            event, which the audit_exports DAG then finds in the asset's event history. publish_fx passes a small \
            payload inline. A --db that an earlier run filled is refused before its landing folder is touched \
            (the story counts from event #1): pass a new file, or omit --db for a temporary store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "How many export runs (1-50).") var runs = 3
    @Option(help: "The export run (1-based) that emits metadata breaking the schema; 0 for none.") var badRun = 2
    @Option(help: "The export run whose file is rewritten after its event was emitted; 0 for none.") var tamperRun = 1

    func validate() throws {
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be between 1 and 50, got \(runs)") }
        guard (0...runs).contains(badRun) else {
            throw ValidationError("--bad-run must be between 0 (none) and --runs (\(runs)), got \(badRun)")
        }
        guard (0...runs).contains(tamperRun) else {
            throw ValidationError("--tamper-run must be between 0 (none) and --runs (\(runs)), got \(tamperRun)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "event-metadata") {
            try await AssetEventMetadata.run(.init(runs: runs, badRun: badRun, tamperRun: tamperRun), database: $0)
        }
    }
}

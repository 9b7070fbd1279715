import ArgumentParser
import EventideCLI

@main
struct GenericWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_03_01_generic_watcher",
        abstract:
            "117.3.1 Generic event watcher: a custom trigger (JSON lines appended to a file) registered under its own scheme.",
        discussion: """
            JSONLinesTrigger implements the Trigger protocol for a system that only appends JSON lines to a file. It is \
            registered as jsonl://, and an AssetWatcher is made from its URI. The example starts the watcher before the \
            file exists, writes a partial line, a malformed line, rotates the file, and stops and starts the watcher: \
            every complete line becomes one asset event, once, and the checkpoint follows the acknowledgements.

            A reused --db is refused: the story starts from an empty store and an audit log that does not exist yet, \
            so a database an earlier (or crashed) run used ends the example with an error before it touches the audit \
            folder next to it. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Milliseconds between looks for new lines when idle.") var interval = 20

    func validate() throws {
        guard (1...1_000).contains(interval) else {
            throw ValidationError("--interval must be 1…1000 ms, got \(interval)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "generic-watcher") {
            try await GenericWatcher.run(.init(interval: .milliseconds(interval)), database: $0)
        }
    }
}

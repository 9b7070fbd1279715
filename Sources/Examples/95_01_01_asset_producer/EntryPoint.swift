import ArgumentParser
import EventideCLI

@main
struct AssetProducerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_01_asset_producer",
        abstract: "95.1.1 Asset Producer Pattern: a DAG whose last task declares outlets emits asset events.",
        discussion: """
            Declares assets from URIs (normalised, bad ones refused with the reason), registers a producer DAG \
            extract → transform → publish whose publish task has two outlets, triggers it --runs times and \
            reports the asset events each run emitted. Run --fail-run fails in transform and emits nothing. \
            A --db that an earlier run filled is refused (the story counts from event #1 and run 1): pass a new \
            file, or omit --db for a temporary store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "How many producer runs to trigger.") var runs = 3
    @Option(help: "The run (1-based) whose transform task fails; 0 for none.") var failRun = 2

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        guard (0...runs).contains(failRun) else {
            throw ValidationError("--fail-run must be between 0 and --runs (\(runs))")
        }
    }

    func run() async throws {
        try await options.run(prefix: "asset-producer") {
            try await AssetProducer.run(.init(runs: runs, failingRun: failRun), database: $0)
        }
    }
}

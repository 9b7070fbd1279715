import ArgumentParser
import EventideCLI

@main
struct EventSourcingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_04_01_event_sourcing",
        abstract:
            "95.4.1 Event Sourcing: state as events, replay, point-in-time views, audit trail, optimistic concurrency.",
        discussion: """
            One account, opened and then changed by a seeded stream of deposits and withdrawals (--seed, --commands) \
            by three people, each with a reason. Its state exists only as events in the event store: it is rebuilt \
            by a full replay, from a snapshot (every --snapshot-every events) plus the tail, and with the snapshots \
            deleted, each compared to the live state; --as-of N shows the state as of event N; the audit trail is \
            read from the events. Two races show a stale writer refused by the expected version and its retry loop. \
            A --db that already holds events is refused (the example opens a new account).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed for the commands.") var seed: UInt64 = 7
    @Option(help: "Commands after the account is opened (at least 8).") var commands = 20
    @Option(help: "Snapshot every N events (at least 1).") var snapshotEvery = 5
    @Option(help: "The version of the point-in-time view (at least 1).") var asOf = 8

    func validate() throws {
        guard commands >= 8 else { throw ValidationError("--commands must be at least 8, got \(commands)") }
        guard snapshotEvery >= 1 else {
            throw ValidationError("--snapshot-every must be at least 1, got \(snapshotEvery)")
        }
        guard asOf >= 1 else { throw ValidationError("--as-of must be at least 1, got \(asOf)") }
    }

    func run() async throws {
        try await options.run(prefix: "event-sourcing") {
            try await EventSourcing.run(
                .init(seed: seed, commands: commands, snapshotEvery: snapshotEvery, asOf: asOf), database: $0)
        }
    }
}

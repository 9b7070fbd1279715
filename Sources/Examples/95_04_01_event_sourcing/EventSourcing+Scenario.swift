import Eventide
import EventideCLI
import Foundation

/// Drives `EventSourcing.swift`: a seeded stream of commands by several people on one account, then rebuilds the
/// state from the events (full replay, snapshot plus tail, without snapshots, as of event N), reads the audit
/// trail, and races two writers twice.
extension EventSourcing {
    static let item = "95.4.1"
    static let title = "Event Sourcing"
    static let stream = "account-1"

    struct Configuration: Sendable {
        var seed: UInt64 = 7
        /// Commands after the account is opened.
        var commands = 20
        var snapshotEvery = 5
        /// The version of the point-in-time view.
        var asOf = 8
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case storeNotEmpty(path: String, events: Int64)
        case asOfBeyondStream(asOf: Int, version: Int)

        var description: String {
            switch self {
            case .storeNotEmpty(let path, let events):
                "the database \(path) already holds \(events) event(s) from an earlier run; the example opens a new "
                    + "account: pass --db a new file, or omit --db for a temporary one"
            case .asOfBeyondStream(let asOf, let version):
                "--as-of \(asOf) is past the account's last event (version \(version)); pass at most \(version)"
            }
        }
    }

    struct CommandResult: Codable, Sendable, Equatable {
        let command: Command
        let context: Context
        /// The version the command's event got (nil: refused).
        let version: Int?
        let balanceAfter: Int
        let refusal: AccountError?
    }

    enum RebuildSource: String, Codable, Sendable { case fullReplay, snapshotAndTail, withoutSnapshots }

    struct Rebuild: Codable, Sendable, Equatable {
        let source: RebuildSource
        let state: Account.State
        let snapshotVersion: Int?
        let replayed: Int
        let equalsLive: Bool
    }

    struct PointInTime: Codable, Sendable, Equatable {
        let asOf: Int
        let state: Account.State
        let snapshotVersion: Int?
        let replayed: Int
        /// The balance the live writer had right after the event at `asOf`.
        let liveBalanceThen: Int
    }

    /// Two writers that loaded the same version.
    struct Race: Codable, Sendable, Equatable {
        let loadedVersion: Int
        let first: Command
        let second: Command
        let firstVersion: Int
        /// What the store answered the second writer's append: expected this version, the stream was at that one.
        let refusedExpected: Int?
        let refusedActual: Int?
        let retryAttempts: Int
        /// The version the retry appended (nil: the retry's new decision refused the command).
        let retryVersion: Int?
        let retryRefusal: AccountError?
        let balanceAfter: Int
    }

    struct Outcome: Codable, Sendable {
        let stream: String
        let commands: [CommandResult]
        let live: Account.State
        let liveVersion: Int
        /// The live balance after each version (index: version − 1).
        let balanceHistory: [Int]
        let snapshotVersions: [Int]
        let rebuilds: [Rebuild]
        let pointInTime: PointInTime
        let audit: [AuditEntry]
        let races: [Race]
        let final: Account.State
        let finalReplay: Account.State
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let store = EventStore(database: database)
        let used = try await store.headPosition()
        guard used == 0 else { throw ScenarioError.storeNotEmpty(path: database.path, events: used) }
        let accounts = AggregateRepository<Account>(store: store, snapshotEvery: configuration.snapshotEvery)
        let timeline = Timeline()

        // The live writer: every command decided on the state it holds, the state advanced by its own appends.
        var live = try await accounts.load(stream)
        var history: [Int] = []
        var results: [CommandResult] = []
        for (command, context) in workload(configuration) {
            do {
                live = try await execute(command, on: stream, context, accounts: accounts, from: live).aggregate
                history.append(live.state.balance)
                results.append(
                    .init(
                        command: command, context: context, version: live.version,
                        balanceAfter: live.state.balance, refusal: nil))
                timeline.note(
                    "v\(live.version) \(render(command)) by \(context.actor) (\(context.reason)) → balance \(live.state.balance)"
                )
            } catch AccountError.refused(let reason, _) {
                results.append(
                    .init(
                        command: command, context: context, version: nil,
                        balanceAfter: live.state.balance, refusal: reason))
                timeline.note("\(render(command)) by \(context.actor) refused, no event: \(reason)")
            }
        }
        let snapshots = try await store.snapshotVersions(of: stream)
        timeline.note(
            "\(live.version) events stored, snapshots at versions \(snapshots.map(String.init).joined(separator: ", "))"
        )

        // Rebuild the state from the events, three ways.
        var rebuilds: [Rebuild] = []
        func rebuilt(_ source: RebuildSource, _ loaded: LoadedAggregate<Account.State>) {
            let rebuild = Rebuild(
                source: source, state: loaded.state, snapshotVersion: loaded.snapshotVersion,
                replayed: loaded.replayed, equalsLive: loaded.state == live.state && loaded.version == live.version)
            rebuilds.append(rebuild)
            timeline.note(
                "\(source.rawValue): " + (loaded.snapshotVersion.map { "snapshot v\($0) + " } ?? "")
                    + "\(loaded.replayed) event(s) replayed → balance \(loaded.state.balance); equals the live state: \(rebuild.equalsLive)"
            )
        }
        rebuilt(.fullReplay, try await accounts.replay(stream))
        rebuilt(.snapshotAndTail, try await accounts.load(stream))
        guard configuration.asOf <= live.version else {
            throw ScenarioError.asOfBeyondStream(asOf: configuration.asOf, version: live.version)
        }
        let then = try await accounts.load(stream, asOf: configuration.asOf)
        let pointInTime = PointInTime(
            asOf: configuration.asOf, state: then.state, snapshotVersion: then.snapshotVersion, replayed: then.replayed,
            liveBalanceThen: history[configuration.asOf - 1])
        timeline.note(
            "as of event \(configuration.asOf): " + (then.snapshotVersion.map { "snapshot v\($0) + " } ?? "")
                + "\(then.replayed) event(s) → balance \(then.state.balance); the live balance after v\(configuration.asOf) was \(pointInTime.liveBalanceThen)"
        )

        let deleted = try await store.deleteSnapshots(of: stream)
        timeline.note("\(deleted) snapshot(s) deleted: they are a cache, the events are the truth")
        rebuilt(.withoutSnapshots, try await accounts.load(stream))

        let audit = try auditTrail(try await store.read(stream: stream))
        let opened = audit.first?.when ?? Date()
        for (who, entries) in Dictionary(grouping: audit, by: \.who).sorted(by: { $0.key < $1.key }) {
            let withdrawn = entries.filter { $0.what == .withdrawn }
            timeline.note(
                "audit: \(who) made \(entries.count) change(s); withdrawals: "
                    + (withdrawn.isEmpty
                        ? "none"
                        : withdrawn.map {
                            "v\($0.version) \($0.amount ?? 0) at +"
                                + String(format: "%.1f", $0.when.timeIntervalSince(opened) * 1000) + " ms (\($0.why))"
                        }.joined(separator: ", ")))
        }

        let races = [
            try await race(.deposit(40), .deposit(40), accounts: accounts, timeline: timeline),
            try await race(withdrawingAllBut: 10, then: .withdraw(20), accounts: accounts, timeline: timeline),
        ]
        let final = try await accounts.load(stream)
        let finalReplay = try await accounts.replay(stream)
        timeline.note(
            "final: v\(final.version), balance \(final.state.balance); full replay: balance \(finalReplay.state.balance)"
        )

        let outcome = Outcome(
            stream: stream, commands: results, live: live.state, liveVersion: live.version, balanceHistory: history,
            snapshotVersions: snapshots, rebuilds: rebuilds, pointInTime: pointInTime, audit: audit, races: races,
            final: final.state, finalReplay: finalReplay.state)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The seeded commands: open, then deposits and withdrawals by three people, each with a reason.
    static func workload(_ configuration: Configuration) -> [(Command, Context)] {
        var generator = SeededGenerator(seed: configuration.seed)
        let people = ["ada", "grace", "teller-bot"]
        var commands: [(Command, Context)] = [(.open(owner: "ada"), Context(actor: "ada", reason: "new customer"))]
        for _ in 0..<configuration.commands {
            let actor = people.randomElement(using: &generator) ?? "ada"
            if Int.random(in: 0..<10, using: &generator) < 6 {
                let reason = ["salary", "refund", "cash at the counter"].randomElement(using: &generator) ?? "salary"
                commands.append(
                    (.deposit(Int.random(in: 1...20, using: &generator) * 10), Context(actor: actor, reason: reason)))
            } else {
                let reason = ["rent", "groceries", "card payment"].randomElement(using: &generator) ?? "rent"
                commands.append(
                    (.withdraw(Int.random(in: 1...30, using: &generator) * 10), Context(actor: actor, reason: reason)))
            }
        }
        // More than the deposits can ever add up to: refused by the account's rule, so it leaves no event.
        commands.append((.withdraw(5_000), Context(actor: "teller-bot", reason: "card payment")))
        return commands
    }

    /// Two writers load the same version; the first appends; the second's append is refused, then its retry loop
    /// (starting from the state it held) reloads and decides again.
    static func race(
        _ first: Command, _ second: Command, accounts: AggregateRepository<Account>, timeline: Timeline
    ) async throws -> Race {
        let teller = Context(actor: "teller-bot", reason: "race: first writer")
        let mobile = Context(actor: "grace", reason: "race: second writer")
        let held = try await accounts.load(stream)
        let mobileHeld = try await accounts.load(stream)
        let afterFirst = try await execute(first, on: stream, teller, accounts: accounts, from: held).aggregate
        timeline.note("race at v\(held.version): teller \(render(first)) appended v\(afterFirst.version)")
        var refused: (expected: Int, actual: Int)?
        do {
            try await accounts.save(try decide(second, mobileHeld.state, mobile), to: mobileHeld)
        } catch EventStoreError.wrongExpectedVersion(_, .exactly(let expected), let actual) {
            refused = (expected, actual)
            timeline.note("race: mobile \(render(second)) decided on v\(expected) refused: the stream is at v\(actual)")
        }
        do {
            let retried = try await execute(second, on: stream, mobile, accounts: accounts, from: mobileHeld)
            timeline.note(
                "race: mobile's retry loop, attempt \(retried.attempts) on v\(afterFirst.version) → appended v\(retried.aggregate.version), balance \(retried.aggregate.state.balance)"
            )
            return Race(
                loadedVersion: held.version, first: first, second: second, firstVersion: afterFirst.version,
                refusedExpected: refused?.expected, refusedActual: refused?.actual, retryAttempts: retried.attempts,
                retryVersion: retried.aggregate.version, retryRefusal: nil,
                balanceAfter: retried.aggregate.state.balance)
        } catch AccountError.refused(let reason, let attempts) {
            let balance = try await accounts.load(stream).state.balance
            timeline.note(
                "race: mobile's retry loop, attempt \(attempts) on v\(afterFirst.version) decided again and refused: \(reason)"
            )
            return Race(
                loadedVersion: held.version, first: first, second: second, firstVersion: afterFirst.version,
                refusedExpected: refused?.expected, refusedActual: refused?.actual, retryAttempts: attempts,
                retryVersion: nil, retryRefusal: reason, balanceAfter: balance)
        }
    }

    /// The second race: the first writer withdraws all but `left`, the second `then` (affordable on the state it
    /// loaded, not after the first).
    static func race(
        withdrawingAllBut left: Int, then second: Command, accounts: AggregateRepository<Account>, timeline: Timeline
    ) async throws -> Race {
        let balance = try await accounts.load(stream).state.balance
        return try await race(.withdraw(balance - left), second, accounts: accounts, timeline: timeline)
    }

    static func render(_ command: Command) -> String {
        switch command {
        case .open(let owner): "open for \(owner)"
        case .deposit(let amount): "deposit \(amount)"
        case .withdraw(let amount): "withdraw \(amount)"
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let applied = outcome.commands.filter { $0.version != nil }.count
        let refused = outcome.commands.count - applied
        let rebuilds = outcome.rebuilds.map { "\($0.source.rawValue) (\($0.replayed) replayed): \($0.equalsLive)" }
        let point = outcome.pointInTime
        let completeAudit = outcome.audit.allSatisfy { !$0.who.isEmpty && !$0.why.isEmpty }
        return [
            "source of truth: \(applied) command(s) became \(outcome.liveVersion) event(s), \(refused) refused left none; "
                + "the balance \(outcome.live.balance) is only a fold of them",
            "rebuild equals the live state — " + rebuilds.joined(separator: "; "),
            "as of event \(point.asOf): balance \(point.state.balance), the live balance then: \(point.liveBalanceThen)",
            "audit trail: \(outcome.audit.count) entries read from the events, each with who, what, when and why: "
                + "\(completeAudit); its last balance \(outcome.audit.last?.balanceAfter ?? 0) = live \(outcome.live.balance)",
            outcome.races.map { race in
                "race at v\(race.loadedVersion): second writer refused (expected v\(race.refusedExpected ?? 0), stream at "
                    + "v\(race.refusedActual ?? 0)), retry attempt \(race.retryAttempts) "
                    + (race.retryVersion.map { "appended v\($0)" } ?? "refused on the new state")
            }.joined(separator: "; ")
                + "; final balance \(outcome.final.balance) = full replay \(outcome.finalReplay.balance)",
        ]
    }
}

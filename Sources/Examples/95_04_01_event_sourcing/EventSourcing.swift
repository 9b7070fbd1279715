import Eventide
import Foundation

/// 95.4.1 — an account whose state exists only as its events: commands are decided on the state folded from the
/// stream and appended with the version they were decided on; replaying the events rebuilds the state, as of any
/// event; the events carry who, why and when, so they are the audit trail.
// Longer than one screen: the events, the fold, the decisions, the retry loop and the audit trail are the whole
// pattern, and each needs the others to read.
enum EventSourcing {
    // [START events]
    /// The account's events. Their data is a small Codable payload; the type names the fact.
    enum EventType: String, Codable, Sendable {
        case opened = "account.opened", deposited = "account.deposited", withdrawn = "account.withdrawn"
    }
    struct Opened: Codable { let owner: String }
    struct Moved: Codable { let amount: Int }
    // [END events]

    // [START aggregate]
    /// The state is a fold of the events: no table holds a balance.
    enum Account: Aggregate {
        struct State: Codable, Sendable, Equatable {
            var owner: String?
            var balance = 0
            var deposits = 0
            var withdrawals = 0
        }
        static let initialState = State()

        static func apply(_ event: RecordedEvent, to state: State) throws -> State {
            var next = state
            switch EventType(rawValue: event.type) {
            case .opened: next.owner = try event.decode(Opened.self).owner
            case .deposited:
                next.balance += try event.decode(Moved.self).amount
                next.deposits += 1
            case .withdrawn:
                next.balance -= try event.decode(Moved.self).amount
                next.withdrawals += 1
            case nil: throw AccountError.unknownEventType(event.type)
            }
            return next
        }
    }
    // [END aggregate]

    // [START commands]
    enum Command: Codable, Sendable, Hashable {
        case open(owner: String), deposit(Int), withdraw(Int)
    }

    /// Who asks, and why: carried into every event the command appends.
    struct Context: Codable, Sendable, Hashable {
        let actor: String
        let reason: String
    }

    /// Decides on the current state which events a command appends, or refuses it.
    static func decide(_ command: Command, _ state: Account.State, _ context: Context) throws -> [NewEvent] {
        let metadata = EventMetadata(actor: context.actor, reason: context.reason, commandId: UUID().uuidString)
        switch command {
        case .open(let owner):
            guard state.owner == nil else { throw AccountError.alreadyOpen }
            return [try NewEvent(type: EventType.opened.rawValue, encoding: Opened(owner: owner), metadata: metadata)]
        case .deposit(let amount), .withdraw(let amount):
            guard state.owner != nil else { throw AccountError.notOpen }
            guard amount > 0 else { throw AccountError.nonPositiveAmount(amount) }
            if case .withdraw = command, amount > state.balance {
                throw AccountError.insufficientFunds(balance: state.balance, requested: amount)
            }
            let type: EventType = if case .deposit = command { .deposited } else { .withdrawn }
            return [try NewEvent(type: type.rawValue, encoding: Moved(amount: amount), metadata: metadata)]
        }
    }
    // [END commands]

    // [START retry]
    /// Load, decide, append with the loaded version; when another writer appended first, reload and decide
    /// again on the new state (which may now refuse the command). `loaded` is the state a writer already holds.
    static func execute(
        _ command: Command, on stream: String, _ context: Context, accounts: AggregateRepository<Account>,
        from loaded: LoadedAggregate<Account.State>? = nil, maxAttempts: Int = 5
    ) async throws -> (aggregate: LoadedAggregate<Account.State>, attempts: Int) {
        var held = loaded
        for attempt in 1...maxAttempts {
            let current = if let held { held } else { try await accounts.load(stream) }
            do {
                let saved = try await accounts.save(try decide(command, current.state, context), to: current)
                return (saved.aggregate, attempt)
            } catch EventStoreError.wrongExpectedVersion {
                held = nil  // stale: the next attempt reloads
            } catch let refusal as AccountError {
                throw AccountError.refused(refusal, attempts: attempt)
            }
        }
        throw AccountError.gaveUp(attempts: maxAttempts)
    }
    // [END retry]

    // [START audit]
    /// One line of the audit trail, read from an event: who changed what, when, why, and the balance after.
    struct AuditEntry: Codable, Sendable, Hashable {
        let version: Int
        let when: Date
        let who: String
        let what: EventType
        let amount: Int?
        let why: String
        let balanceAfter: Int
    }

    static func auditTrail(_ events: [RecordedEvent]) throws -> [AuditEntry] {
        var state = Account.initialState
        return try events.map { event in
            state = try Account.apply(event, to: state)
            let what = try EventType(rawValue: event.type) ?? { throw AccountError.unknownEventType(event.type) }()
            return AuditEntry(
                version: event.version, when: event.recordedAt, who: event.metadata.actor ?? "unknown", what: what,
                amount: what == .opened ? nil : try event.decode(Moved.self).amount,
                why: event.metadata.reason ?? "", balanceAfter: state.balance)
        }
    }
    // [END audit]
}

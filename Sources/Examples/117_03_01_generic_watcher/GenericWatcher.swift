import Eventide
import Foundation

/// 117.3.1 — a watcher for a system Eventide has no trigger for: an audit log that another program appends JSON
/// lines to. `JSONLinesTrigger` implements the `Trigger` protocol, is registered under the `jsonl` scheme, and an
/// `AssetWatcher` is made from its URI like any built-in source.
enum GenericWatcher {
    static let watcherName = "audit_watcher"
    static let dagId = "review_audit_entries"

    // [START register]
    /// The runtime's own schemes plus `jsonl`: watchers name the custom source by URI.
    static func registry(log: EventLog, clock: EventideClock = .system) -> TriggerRegistry {
        TriggerRegistry.embedded(log: log).registering(JSONLinesTrigger.factory(clock: clock))
    }
    // [END register]

    // [START watcher]
    /// Why an audit line cannot become an asset event: the watcher dead-letters it with this as the reason.
    enum AuditLineError: Error, Equatable, CustomStringConvertible {
        case notJSON(line: String)
        case missingField(String)

        var description: String {
            switch self {
            case .notJSON(let line): "unreadable audit line (not JSON): \(line)"
            case .missingField(let field): "an audit line without \(field)"
            }
        }
    }

    /// One asset event per audit line: who did what, and the line's message id (`<inode>@<offset>`).
    static func extract(_ event: TriggerEvent) throws(AuditLineError) -> [String: JSONValue] {
        if let line = event.payload["undecodable"]?.stringValue { throw .notJSON(line: line) }
        guard let user = event.payload["user"]?.stringValue else { throw .missingField("user") }
        guard let action = event.payload["action"]?.stringValue else { throw .missingField("action") }
        return ["user": .string(user), "action": .string(action), "message_id": .string(event.messageId ?? "")]
    }

    struct AuditPipeline: Sendable {
        let watcher: AssetWatcher
        let audit: Asset
        let review: DAG

        init(source uri: String, file: URL, registry: TriggerRegistry) throws {
            watcher = try AssetWatcher(
                name: watcherName, source: uri, registry: registry,
                extract: { try GenericWatcher.extract($0) },
                restart: RetryPolicy(retries: 50, delay: .milliseconds(20)))
            let audit = try Asset(uri: "file://\(file.path)", name: "audit_log", watchers: [watcher])
            review = try DAG(
                dagId, schedule: .on([audit]),
                tasks: [
                    TaskDefinition("review") { context in
                        TaskOutput(value: .array(context.triggeringEvents(of: audit).compactMap { $0.extra["action"] }))
                    }
                ])
            self.audit = audit
        }
    }
    // [END watcher]
}

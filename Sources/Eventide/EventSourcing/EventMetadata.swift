/// Who appended an event, why, and what it belongs to: what an audit trail answers from the events alone.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// Who made the change (a user, a service, a DAG task).
    public var actor: String?
    /// Why (the business reason given with the command).
    public var reason: String?
    /// The command that produced the event; every event of one append shares it.
    public var commandId: String?
    /// The conversation the event belongs to, carried from event to event.
    public var correlationId: String?
    /// The event or command that caused this one.
    public var causationId: String?

    public init(
        actor: String? = nil, reason: String? = nil, commandId: String? = nil, correlationId: String? = nil,
        causationId: String? = nil
    ) {
        self.actor = actor
        self.reason = reason
        self.commandId = commandId
        self.correlationId = correlationId
        self.causationId = causationId
    }
}

/// A gateway that cannot be built as configured: found when it is made, before any request is served.
public enum GatewayConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A sender name is not a path segment of letters, digits, `_`, `-` and `.`.
    case invalidSenderName(String)
    case duplicateSender(String)
    /// A sender's key rule names something that is not an HTTP header name.
    case invalidHeaderName(sender: String, header: String)
    case duplicateRule(String)
    /// A rule names a sender the gateway does not have.
    case unknownSender(rule: String, sender: String)
    /// A rule's asset is not registered with the scheduler (register the DAGs and assets first).
    case undeclaredDestination(rule: String, asset: String)
    /// No DAG is scheduled on a rule's asset: its events would be recorded for nobody.
    case destinationWithoutConsumers(rule: String, asset: String)

    public var description: String {
        switch self {
        case .invalidSenderName(let name):
            "sender name \(name.debugDescription) is not a path segment: use letters, digits, '_', '-' and '.'"
        case .duplicateSender(let name): "sender '\(name)' is configured twice; give each sender one entry"
        case .invalidHeaderName(let sender, let header):
            "sender '\(sender)' takes its idempotency key from \(header.debugDescription), which is not an HTTP header name"
        case .duplicateRule(let name): "routing rule '\(name)' appears twice; rule names identify routes in answers"
        case .unknownSender(let rule, let sender):
            "routing rule '\(rule)' names sender '\(sender)', which is not configured; add the sender or fix the rule"
        case .undeclaredDestination(let rule, let asset):
            "routing rule '\(rule)' routes to asset \(asset), which the scheduler does not know; register it first"
        case .destinationWithoutConsumers(let rule, let asset):
            "routing rule '\(rule)' routes to asset \(asset), on which no DAG is scheduled; schedule a DAG on it"
        }
    }
}

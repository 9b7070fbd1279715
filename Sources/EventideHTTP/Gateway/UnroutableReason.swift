/// Why no rule took an event.
public struct UnroutableReason: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// No rule selects this sender and event type.
        case noRuleForType = "no_rule_for_type"
        /// Rules select the sender and type, but the filters of each refused the event's content.
        case filtersRefused = "filters_refused"
    }

    public let kind: Kind
    public let sender: String
    public let type: String
    /// The rules that selected the sender and type (their filters refused the event), in table order.
    public let rulesTried: [String]

    public init(kind: Kind, sender: String, type: String, rulesTried: [String]) {
        self.kind = kind
        self.sender = sender
        self.type = type
        self.rulesTried = rulesTried
    }

    public var description: String {
        switch kind {
        case .noRuleForType:
            "no routing rule takes events of type '\(type)' from sender '\(sender)'; add a rule or fix the sender"
        case .filtersRefused:
            "the filters of \(rulesTried.joined(separator: ", ")) refused this '\(type)' event from '\(sender)'; "
                + "check its content or the rules' filters"
        }
    }
}

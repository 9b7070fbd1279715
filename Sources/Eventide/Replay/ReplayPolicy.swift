/// Which of the selected events a replay sends.
///
/// - ``pendingOnly``: only those the consumer's ``ProcessedEventLedger`` has not marked processed. Replaying the
///   same selection twice sends nothing the second time (no run, no queue row).
/// - ``all``: every selected event, processed or not (a forced reprocessing). Side effects stay single only if
///   the consuming task processes each event through the ledger: it skips the marked ones.
public enum ReplayPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case pendingOnly = "pending_only"
    case all
}

/// A projection turns the event store's events, in global order, into a read model (a view of documents by key).
///
/// `apply` runs inside the transaction that also moves the projection's checkpoint past the event, so a view
/// and its checkpoint always agree: a process killed mid-batch leaves both as they were before the batch, and the
/// restarted runner applies the batch again, once. `apply` must therefore only write through `view` (no side
/// effects elsewhere), and be deterministic, so that a rebuild from zero gives the same view.
///
/// ```swift
/// struct Balances: Projection {
///     let name = "balances"
///     func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws {
///         let amount = try event.decode(Deposit.self).amount
///         let balance = try view.document(event.stream, as: Int.self) ?? 0
///         try view.put(balance + amount, at: event.stream)
///     }
/// }
/// ```
public protocol Projection: Sendable {
    /// The projection's name: its checkpoint's key and its view's name. Two projections never share one.
    var name: String { get }

    /// Applies one event to the view.
    func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws
}

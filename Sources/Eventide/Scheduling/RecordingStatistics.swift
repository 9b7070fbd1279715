/// What `Scheduler.recordAssetEvent` cost so far, in commits and wall time (`Scheduler.recordingStatistics()`).
///
/// A commit cycle under load is: the leader writes the batch (`writing`), SQLite commits and flushes the WAL
/// (`flushing`, at least one `fdatasync`), and the leader hands the next commit to a caller that waited for it
/// (`commits.handingOver`). Events that arrive meanwhile wait for the next cycle, so the cycle's length is what
/// an event waits for its commit, one to two times over.
public struct RecordingStatistics: Sendable, Equatable {
    /// The group commit's count of commits and requests, and its time inside commits and between them.
    public var commits: GroupCommitStatistics
    public var transactions: Transactions

    /// Wall time inside the recording transactions, over all of them.
    public struct Transactions: Sendable, Equatable {
        /// Writing the batch: each event's savepoint, inserts and the runs it creates.
        public var writing: Duration = .zero
        /// From the end of the writing to the commit's return: SQLite's commit, its WAL writes and the flush.
        public var flushing: Duration = .zero
    }

    public static func - (later: Self, earlier: Self) -> Self {
        RecordingStatistics(
            commits: later.commits - earlier.commits,
            transactions: Transactions(
                writing: later.transactions.writing - earlier.transactions.writing,
                flushing: later.transactions.flushing - earlier.transactions.flushing))
    }
}

import Eventide

/// Where a load's average commit cycle went, in µs: the leader writing the batch, SQLite's commit and flush, and the
/// hand-over to the caller that leads the next commit. An event waits for the rest of the cycle under way when it
/// arrives and then for a whole cycle of its own, so these say what the API's answers wait for.
struct CommitCycle {
    let events: Double
    let writing: Double
    let flushing: Double
    let handingOver: Double

    init(_ recording: RecordingStatistics) {
        let commits = Double(max(recording.commits.commits, 1))
        func micros(_ duration: Duration) -> Double {
            let parts = duration.components
            return (Double(parts.seconds) * 1e6 + Double(parts.attoseconds) / 1e12) / commits
        }
        events = Double(recording.commits.requests) / commits
        writing = micros(recording.transactions.writing)
        flushing = micros(recording.transactions.flushing)
        handingOver = micros(recording.commits.handingOver)
    }
}

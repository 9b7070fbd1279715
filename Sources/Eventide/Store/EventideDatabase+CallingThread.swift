import GRDB

extension EventideDatabase {
    /// Runs `updates` in one write transaction on the calling thread, blocking it until the commit (and its
    /// flush) is done, instead of handing the work to the writer's queue and resuming afterwards.
    ///
    /// For the group commit's leader only: it already waits for the commit, and doing the commit where it runs
    /// saves two thread hand-offs (to the writer's queue and back) per commit, which on a 2-core machine under
    /// load are a measurable share of a committed event's CPU. The writer is still serialized: a write already
    /// under way on the writer's queue finishes first (GRDB's `write` waits for it), so a caller is blocked for at
    /// most the time of that write and its own. Never call it from inside another write.
    func writeOnCallingThread<T>(_ updates: (Database) throws -> T) throws -> T {
        try pool.write(updates)
    }
}

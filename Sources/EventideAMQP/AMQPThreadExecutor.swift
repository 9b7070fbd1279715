import Foundation

/// A serial executor that runs every job on one dedicated thread.
///
/// rabbitmq-c is blocking and not thread-safe per connection, so each `AMQPConnection` actor runs on one of
/// these: its methods may block in the C library (a socket read with a timeout, a publisher confirm) without
/// holding a thread of Swift's cooperative pool, and the C connection is only ever touched from this thread.
/// The thread ends when `shutdown()` is called and the queued jobs have run.
final class AMQPThreadExecutor: SerialExecutor, @unchecked Sendable {
    // Guarded by `condition` (its lock): the jobs waiting to run, and whether to stop once they have.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var closures: [@Sendable () -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `body` on the executor's thread and returns its result: for blocking work that happens before
    /// an actor exists to run it (opening the connection).
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            closures.append { continuation.resume(returning: body()) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread end once the jobs queued so far have run.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && closures.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && closures.isEmpty { condition.unlock(); return }  // stopping, nothing left
            let nextJobs = jobs, nextClosures = closures
            jobs.removeAll()
            closures.removeAll()
            condition.unlock()
            for closure in nextClosures { closure() }
            for job in nextJobs { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}

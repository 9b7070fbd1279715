/// How long a wait may take before it throws `WaitError.deadlineExceeded` (a broken mechanism fails instead of
/// hanging). Deadlines are measured on their own clock, real time by default, so that a wait on a component
/// driven by a test clock that is never advanced still ends.
///
/// ```swift
/// let runs = try await scheduler.waitForFinishedRuns(of: "consumer", count: 3, deadline: .seconds(10))
/// try await WaitDeadline.default.enforce(waitingFor: "the report file") { try await report.wait() }
/// ```
public struct WaitDeadline: Sendable {
    public var timeout: Duration
    public var clock: EventideClock

    public init(_ timeout: Duration, clock: EventideClock = .system) {
        self.timeout = timeout
        self.clock = clock
    }

    /// One minute: generous for anything the runtime waits on in a test or an example.
    public static let `default` = WaitDeadline(.seconds(60))

    public static func seconds(_ seconds: Int64) -> WaitDeadline { WaitDeadline(.seconds(seconds)) }

    /// Runs `body`; throws `WaitError.deadlineExceeded(waitingFor: what, after: timeout)` if it has not returned
    /// by then (and cancels it).
    public func enforce<T: Sendable>(
        waitingFor what: @autoclosure () -> String,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (timeout, clock, what) = (timeout, clock, what())
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(for: timeout)
                throw WaitError.deadlineExceeded(waitingFor: what, after: timeout)
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() else { throw CancellationError() }
            return result
        }
    }
}

import Eventide
import PostgresNIO
import Synchronization

/// Runs a statement on its connection but waits at most `limit` for it; on expiry calls `expire` (which closes the
/// connection) and throws `CDCError.unreachable`. When the connection's channel closes first (`closing`), it
/// throws `CDCError.unreachable` at once.
///
/// Why: postgres-nio 1.33 never answers a statement written to a connection whose channel has closed — when the
/// server crashed or dropped the connection just before (a fix, vapor/postgres-nio#487, was reverted in #501) — and
/// its `query` does not react to cancellation, so a task group would wait for the lost statement for ever too. Here
/// the caller is resumed by whichever comes first; a lost statement's task is left behind, holding nothing but its
/// closed connection. The same limit guards against a server that hangs or a half-open TCP connection. A channel
/// that closes is known at once, though: a backend terminated between two statements (an administrator's
/// `pg_terminate_backend`, `idle_session_timeout`) closes it as the next statement is written, and without
/// `closing` that statement would wait out the whole limit.
func withDeadline<Value: Sendable>(
    _ limit: Duration, endpoint: String, closing: ChannelClosing? = nil,
    expire: @escaping @Sendable () -> Void,
    _ operation: @escaping @Sendable () async throws(CDCError) -> Value
) async throws(CDCError) -> Value {
    let result: Result<Value, CDCError> = await withCheckedContinuation { continuation in
        let outcome = FirstOutcome(continuation)
        let timer = Task {
            do { try await Task.sleep(for: limit) } catch { return }
            let reason = "no answer within \(Int(limit.inMilliseconds)) ms; the connection is closed"
            if outcome.resume(.failure(.unreachable(endpoint: endpoint, reason: reason))) { expire() }
        }
        let closedFailure = CDCError.unreachable(
            endpoint: endpoint, reason: "the connection closed (the server ended it, or the network) before an answer")
        let watch = closing?.watch { if outcome.resume(.failure(closedFailure)) { timer.cancel() } }
        if case .alreadyClosed = watch {
            timer.cancel()
            outcome.resume(.failure(closedFailure))
            return
        }
        Task {
            let result: Result<Value, CDCError>
            do throws(CDCError) { result = .success(try await operation()) } catch { result = .failure(error) }
            timer.cancel()
            if case .watching(let id) = watch { closing?.unwatch(id) }
            outcome.resume(result)
        }
    }
    return try result.get()
}

/// A continuation resumed by the first of several racers; later results are dropped.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<Value, CDCError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<Value, CDCError>, Never>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes the caller with `result` unless another racer did; returns whether this one did.
    @discardableResult
    func resume(_ result: Result<Value, CDCError>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(returning: result)
        return true
    }
}

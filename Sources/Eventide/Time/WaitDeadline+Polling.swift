extension WaitDeadline {
    /// Checks `condition` every `interval` until it holds; throws `WaitError.deadlineExceeded` if it still does not
    /// by the deadline. For state that nothing announces, e.g. a store row that another task writes:
    ///
    /// ```swift
    /// try await WaitDeadline.seconds(30).poll(waitingFor: "the sensor's third poke") {
    ///     try await SensorProgress.read(ref, taskId: "wait", tryNumber: 1, in: database)?.pokes ?? 0 >= 3
    /// }
    /// ```
    ///
    /// The polling sleeps on the real clock (the condition reads real state); the deadline on the deadline's clock.
    public func poll(
        every interval: Duration = .milliseconds(5),
        waitingFor what: @autoclosure () -> String,
        until condition: @escaping @Sendable () async throws -> Bool
    ) async throws {
        try await enforce(waitingFor: what()) {
            while try await !condition() { try await Task.sleep(for: interval) }
        }
    }
}

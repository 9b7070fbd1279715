import ServiceLifecycle

/// Starts a `scheduled` run of every DAG with `Schedule.interval(d)` once per `d`, measured by a clock
/// (drift-free: the n-th run is due at start + n·d). A paused DAG's due runs are skipped, not caught up.
struct IntervalTimetable: Sendable {
    let scheduler: Scheduler
    let clock: any Clock<Duration>

    func run() async throws {
        let dags = await scheduler.registeredDags.compactMap { dag -> (String, Duration)? in
            if case .interval(let interval) = dag.schedule, interval > .zero { return (dag.dagId, interval) }
            return nil
        }
        try await withThrowingDiscardingTaskGroup { group in
            for (dagId, interval) in dags {
                group.addTask {
                    // Graceful shutdown ends the ticking (no new scheduled runs); cancellation too.
                    do {
                        try await cancelWhenGracefulShutdown { try await self.tick(dagId, every: interval, on: clock) }
                    } catch is CancellationError {}
                }
            }
        }
    }

    private func tick<C: Clock>(_ dagId: String, every interval: Duration, on clock: C) async throws
    where C.Duration == Duration {
        var due = clock.now.advanced(by: interval)
        while !Task.isCancelled {
            try await clock.sleep(until: due, tolerance: nil)
            if try await !scheduler.isPaused(dagId) {
                try await scheduler.triggerRun(dagId, runType: .scheduled)
            }
            due = due.advanced(by: interval)
        }
    }
}

import ServiceLifecycle

/// Starts a `scheduled` run of every DAG whose schedule has a timetable (`Schedule.interval(d)`, and the
/// timetable of `AssetOrTimeSchedule`) once per `d`, measured by a clock (drift-free: the n-th run is due at
/// start + n·d). A paused DAG's due runs are skipped, not caught up.
///
/// An `AssetAndTimeSchedule` DAG's tick only opens its gate (see there): the run is created when the gate is open
/// and the queued events satisfy the condition, at the tick or at the first later moment they do.
struct IntervalTimetable: Sendable {
    let scheduler: Scheduler
    let clock: any Clock<Duration>

    func run() async throws {
        let dags = await scheduler.registeredDags.compactMap { dag -> (String, Duration, Bool)? in
            guard let period = dag.schedule.period, period > .zero else { return nil }
            return (dag.dagId, period, dag.schedule.isTimeGated)
        }
        try await withThrowingDiscardingTaskGroup { group in
            for (dagId, interval, gated) in dags {
                group.addTask {
                    // Graceful shutdown ends the ticking (no new scheduled runs); cancellation too.
                    do {
                        try await cancelWhenGracefulShutdown {
                            if gated {
                                try await self.gate(dagId, every: interval, on: clock)
                            } else {
                                try await self.tick(dagId, every: interval, on: clock)
                            }
                        }
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

    /// What wakes a time-gated DAG's timetable.
    private enum Wake: Sendable { case due, change }

    /// The `AssetAndTimeSchedule` loop: a tick opens the gate (unless the DAG is paused); while it is open, every
    /// recorded asset event, finished run of the DAG and pause change tries it; a run created closes it.
    private func gate<C: Clock>(_ dagId: String, every interval: Duration, on clock: C) async throws
    where C.Duration == Duration {
        let (wakes, wake) = AsyncStream.makeStream(of: Wake.self)
        // Subscribed before the first tick: nothing that happens after it is missed.
        let events = scheduler.recordedAssetEvents(), updates = scheduler.runUpdates()
        let consumers = scheduler.consumerChanges()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in events { wake.yield(.change) } }
            group.addTask { for await _ in consumers { wake.yield(.change) } }
            group.addTask {
                for await update in updates where update.ref.dagId == dagId && update.state.isFinished {
                    wake.yield(.change)
                }
            }
            group.addTask {
                var due = clock.now.advanced(by: interval)
                while !Task.isCancelled {
                    try await clock.sleep(until: due, tolerance: nil)
                    wake.yield(.due)
                    due = due.advanced(by: interval)
                }
            }
            defer { group.cancelAll() }
            var open = false
            for await reason in wakes {
                if reason == .due, try await !scheduler.isPaused(dagId) { open = true }
                if open, try await !scheduler.openTimeGate(of: dagId).isEmpty { open = false }
            }
        }
    }
}

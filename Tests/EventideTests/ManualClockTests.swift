import Eventide
import Testing

@Suite("ManualClock", .timeLimit(.minutes(2)))
struct ManualClockTests {
    @Test("advance wakes the sleepers whose deadline it passes and no other; time stands at the target after")
    func advanceWakesDueSleepers() async throws {
        let clock = ManualClock()
        let sleepers = [3, 1, 2, 10].map { seconds in
            (seconds, Task { try await clock.sleep(for: .seconds(seconds)) })
        }
        try await clock.waitForSleepers(4, deadline: .seconds(10))
        await clock.advance(by: .seconds(5))
        #expect(clock.sleeperCount == 1, "only the 10 s sleeper is left")
        #expect(clock.now == ManualClock.Instant(offset: .seconds(5)))
        for (seconds, sleeper) in sleepers where seconds <= 5 {
            try await WaitDeadline.seconds(10).enforce(waitingFor: "the \(seconds) s sleeper") {
                try await sleeper.value
            }
        }
        await clock.advance(by: .seconds(5))
        #expect(clock.sleeperCount == 0)
        for (_, sleeper) in sleepers { try await sleeper.value }
        #expect(clock.now == ManualClock.Instant(offset: .seconds(10)))
    }

    /// Sleepers that register at the same moment publish their counts from different threads, so the counts can
    /// arrive out of order (4 before 3); the waiter must still see that four are asleep.
    @Test("waitForSleepers sees every sleeper when many fall asleep at once", arguments: 0..<4)
    func waitForSleepersUnderConcurrentRegistration(round: Int) async throws {
        for _ in 0..<100 {
            let clock = ManualClock()
            let sleepers = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<sleepers {
                    group.addTask { try await clock.sleep(for: .seconds(1)) }
                }
                try await clock.waitForSleepers(sleepers, deadline: .seconds(5))
                #expect(clock.sleeperCount == sleepers)
                await clock.advance(by: .seconds(1))
                try await group.waitForAll()
            }
        }
    }

    @Test("waitForSleepers gives up after its deadline when nobody sleeps")
    func waitForSleepersDeadline() async throws {
        let clock = ManualClock()
        await #expect(throws: WaitError.self) {
            try await clock.waitForSleepers(1, deadline: WaitDeadline(.milliseconds(50)))
        }
    }

    @Test("a cancelled sleeper throws CancellationError and leaves the clock")
    func cancelledSleeper() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(1)) }
        try await clock.waitForSleepers(1, deadline: .seconds(10))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}

import Eventide
import Testing

@Suite("ManualClock", .timeLimit(.minutes(2)))
struct ManualClockTests {
    @Test("advance wakes the sleepers whose deadline has passed, in deadline order, and no other")
    func advanceWakesDueSleepersInOrder() async throws {
        let clock = ManualClock()
        let woken = Recorder<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seconds in [3, 1, 2, 10] {
                group.addTask {
                    try await clock.sleep(for: .seconds(seconds))
                    await woken.append(seconds)
                }
            }
            try await clock.waitForSleepers(4, deadline: .seconds(10))
            await clock.advance(by: .seconds(5))
            #expect(clock.sleeperCount == 1)
            #expect(await woken.values == [1, 2, 3])
            await clock.advance(by: .seconds(5))
            try await group.waitForAll()
        }
        #expect(await woken.values == [1, 2, 3, 10])
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

private actor Recorder<Value: Sendable> {
    private(set) var values: [Value] = []
    func append(_ value: Value) { values.append(value) }
}

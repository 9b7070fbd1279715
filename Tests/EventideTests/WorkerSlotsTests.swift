import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Worker slots: a bounded pool, first come first served", .timeLimit(.minutes(1)))
struct WorkerSlotsTests {
    @Test("waiters get freed slots in the order they asked; waits, peak and slot time are counted")
    func fifo() async throws {
        let testClock = TestClock()
        let slots = WorkerSlots(capacity: 1, clock: EventideClock(testClock))
        let first = try #require(slots.tryAcquire(for: "a"))
        #expect(slots.tryAcquire(for: "b") == nil)
        let order = Recorded<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, owner) in ["b", "c", "d"].enumerated() {
                group.addTask {
                    let lease = try await slots.acquire(for: owner)
                    order.add(owner)
                    slots.release(lease)
                }
                // Queue them one after the other, so that their order is known.
                try await WaitDeadline.seconds(10).enforce(waitingFor: "\(owner) queued") {
                    while slots.snapshot().waiting < index + 1 { try await Task.sleep(for: .milliseconds(1)) }
                }
            }
            await testClock.advance(by: .seconds(5))
            slots.release(first)
            try await group.waitForAll()
        }
        #expect(order.all == ["b", "c", "d"])
        let snapshot = slots.snapshot()
        #expect(snapshot.acquisitions == 4 && snapshot.waits == 3)
        #expect(snapshot.peakInUse == 1 && snapshot.inUse == 0 && snapshot.waiting == 0)
        #expect(snapshot.acquisitionsByOwner == ["a": 1, "b": 1, "c": 1, "d": 1])
        #expect(snapshot.heldTime["a"] == .seconds(5))
        #expect(snapshot.longestWait == .seconds(5))
    }

    @Test("a waiter that is cancelled leaves the line and takes no slot")
    func cancelledWaiter() async throws {
        let slots = WorkerSlots(capacity: 1)
        let held = try #require(slots.tryAcquire(for: "a"))
        let waiter = Task { try await slots.acquire(for: "b") }
        try await WaitDeadline.seconds(10).enforce(waitingFor: "b queued") {
            while slots.snapshot().waiting < 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(slots.snapshot().waiting == 0)
        slots.release(held)
        #expect(slots.snapshot().inUse == 0)
        #expect(slots.tryAcquire(for: "c") != nil)
    }
}

import Eventide
import Synchronization
import Testing

@Suite("WaitDeadline: enforce and poll", .timeLimit(.minutes(1)))
struct WaitDeadlineTests {
    @Test("poll returns once the condition holds, having checked it until then")
    func pollReturnsWhenTheConditionHolds() async throws {
        let checks = Mutex(0)
        try await WaitDeadline.seconds(10).poll(every: .milliseconds(1), waitingFor: "the third check") {
            checks.withLock { count in
                count += 1
                return count >= 3
            }
        }
        #expect(checks.withLock { $0 } == 3)
    }

    @Test("poll throws deadlineExceeded naming what it waited for when the condition never holds")
    func pollThrowsAtTheDeadline() async throws {
        let deadline = WaitDeadline(.milliseconds(50))
        await #expect(throws: WaitError.deadlineExceeded(waitingFor: "a flag nobody sets", after: .milliseconds(50))) {
            try await deadline.poll(waitingFor: "a flag nobody sets") { false }
        }
    }

    @Test("an error thrown by the condition ends the poll with that error")
    func pollRethrowsTheConditionsError() async throws {
        struct Broken: Error, Equatable {}
        await #expect(throws: Broken()) {
            try await WaitDeadline.seconds(10).poll(waitingFor: "a broken store") { throw Broken() }
        }
    }
}

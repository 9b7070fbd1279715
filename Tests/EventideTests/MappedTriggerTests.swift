import Eventide
import EventideTesting
import Synchronization
import Testing

@Suite("MappedTrigger", .timeLimit(.minutes(3)))
struct MappedTriggerTests {
    @Test("each event passes through the transform, which can wrap its acknowledgement; the source's end ends it")
    func transformsEvents() async throws {
        let source = ManualTrigger()
        let seen = Mutex<[String]>([])
        let mapped = MappedTrigger(source) { event in
            var event = event
            event.payload = ["wrapped": event.payload]
            let (acknowledge, id) = (event.acknowledge, event.messageId ?? "")
            event.acknowledge = {
                seen.withLock { $0.append(id) }
                try await acknowledge()
            }
            return event
        }
        var events = try mapped.events().makeAsyncIterator()
        try await source.waitUntilOpened()
        source.fire(["n": 1], messageId: "m1")
        let event = try #require(try await events.next())
        #expect(event.payload == ["wrapped": ["n": 1]] && event.messageId == "m1")
        try await event.acknowledge()
        #expect(
            seen.withLock { $0 } == ["m1"] && source.acknowledged == ["m1"], "the wrapper ran, then the source's own")
        source.finish()
        #expect(try await events.next() == nil)
    }
}

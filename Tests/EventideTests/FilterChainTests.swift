import Eventide
import Synchronization
import Testing

@Suite("Event filters and filter chains", .timeLimit(.minutes(1)))
struct FilterChainTests {
    func event(_ type: String, _ data: JSONValue) throws -> EventEnvelope {
        try EventEnvelope(type: type, source: "/shop", data: data)
    }

    @Test("a type filter takes exact types and prefixes ending in .*")
    func typeFilter() throws {
        let filter = EventFilter.types(["payment.settled", "order.*"])
        #expect(try filter.matches(event("order.placed", [:])) && filter.matches(event("payment.settled", [:])))
        #expect(try !filter.matches(event("order", [:])) && !filter.matches(event("payment.failed", [:])))
    }

    @Test("a content filter applies a FilterPolicy to the data, or to type/source/subject as attributes")
    func contentFilter() throws {
        let large = EventFilter.content(
            "large", try FilterPolicy(json: #"{"amount": [{"numeric": [">=", 100]}]}"#, scope: .messageBody))
        #expect(try large.matches(event("x", ["amount": 150])) && !large.matches(event("x", ["amount": 5])))
        #expect(!large.matches(try event("x", ["other": 1])))
        let shop = EventFilter.content("shop", try FilterPolicy(json: #"{"source": [{"prefix": "/sh"}]}"#))
        #expect(shop.matches(try event("x", [:])))
        let both = EventFilter.all("large from shop", [shop, large])
        #expect(try both.matches(event("x", ["amount": 100])) && !both.matches(event("x", ["amount": 99])))
    }

    @Test("a chain stops at the first rejecting stage and names it; transforms change what later stages see")
    func chain() throws {
        let calls = CallCount()
        let enrich = FilterChain.Stage.transform("enrich") { event in
            calls.increment()
            var event = event
            event.data = .object((event.data.objectValue ?? [:]).merging(["vip": true]) { $1 })
            return event
        }
        let vip = FilterChain.Stage.filter(
            .content("vip", try FilterPolicy(json: #"{"vip": [{"exists": true}]}"#, scope: .messageBody)))
        let orders = FilterChain.Stage.filter(.types(["order.*"]))
        let events = [try event("order.placed", [:]), try event("user.login", [:]), try event("order.paid", [:])]

        // Filter then enrich: two enrich calls; enrich then filter: three. Same events pass.
        let cheapFirst = FilterChain([orders, enrich, vip])
        let passedCheap = events.map { cheapFirst.apply($0) }.filter(\.passed).count
        #expect(passedCheap == 2 && calls.value == 2)
        let enrichFirst = FilterChain([enrich, orders, vip])
        let passedEnrichFirst = events.map { enrichFirst.apply($0) }.filter(\.passed).count
        #expect(passedEnrichFirst == 2 && calls.value == 5)
        // The vip filter before enrich sees no vip field: everything is rejected, by it.
        let vipFirst = FilterChain([vip, orders, enrich])
        let results = events.map { vipFirst.apply($0) }
        #expect(results.allSatisfy { $0.rejectedBy == "vip" && $0.stagesRun == ["vip"] })
        #expect(cheapFirst.apply(events[1]).stagesRun == ["type in [order.*]"])
    }

    @Test("a transform that throws rejects the event with its error as the reason")
    func failingTransform() throws {
        struct NoCurrency: Error, CustomStringConvertible { var description: String { "no currency" } }
        let chain = FilterChain([.transform("fx") { _ in throw NoCurrency() }])
        let result = chain.apply(try event("payment.settled", [:]))
        #expect(result.rejectedBy == "fx" && result.reason == "no currency" && !result.passed)
    }
}

/// Counts calls from a `@Sendable` closure.
private final class CallCount: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

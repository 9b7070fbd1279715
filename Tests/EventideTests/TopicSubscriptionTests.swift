import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Topics and subscriptions (pub/sub)", .timeLimit(.minutes(3)))
struct TopicSubscriptionTests {
    func makeBroker(_ topics: [String] = ["orders.placed", "orders.cancelled", "payments.settled"]) async throws
        -> TopicBroker
    {
        let broker = TopicBroker(service: EventLog(database: try TemporaryDatabase.make("pubsub")))
        for topic in topics { try await broker.declare(topic, partitions: 2) }
        return broker
    }

    /// Reads `count` events from a fresh stream of `subscription`, acknowledging the first `acknowledging`.
    func receive(
        _ count: Int, from broker: TopicBroker, _ subscription: Subscription, acknowledging: Int = .max
    ) async throws -> [TriggerEvent] {
        var iterator = try broker.trigger(for: subscription).events().makeAsyncIterator()
        var events: [TriggerEvent] = []
        while events.count < count, let event = try await iterator.next() {
            if events.count < acknowledging { try await event.acknowledge() }
            events.append(event)
        }
        return events
    }

    @Test("* matches one segment, # any number, a literal only itself")
    func patterns() throws {
        let star = try TopicPattern("orders.*")
        #expect(star.matches("orders.placed") && star.matches("orders.cancelled"))
        #expect(!star.matches("orders") && !star.matches("orders.eu.placed") && !star.matches("payments.settled"))
        let hash = try TopicPattern("orders.#")
        #expect(hash.matches("orders") && hash.matches("orders.placed") && hash.matches("orders.eu.placed"))
        #expect(!hash.matches("ordersx.placed"))
        #expect(try TopicPattern("#").matches("a.b.c"))
        #expect(try TopicPattern("*.settled").matches("payments.settled"))
        let literal = try TopicPattern("orders.placed")
        #expect(literal.isLiteral && literal.matches("orders.placed") && !literal.matches("orders.cancelled"))
        #expect(throws: PubSubError.self) { try TopicPattern("ord*") }
        #expect(throws: PubSubError.self) { try TopicPattern("orders..placed") }
    }

    @Test("a pattern resolves over the declared topics; publishing to an undeclared topic is refused")
    func routing() async throws {
        let broker = try await makeBroker()
        #expect(broker.topics(matching: try TopicPattern("orders.*")) == ["orders.cancelled", "orders.placed"])
        _ = try broker.subscribe("email", to: TopicPattern("orders.*"))
        _ = try broker.subscribe("audit", to: TopicPattern("#"))
        _ = try broker.subscribe("ledger", to: TopicPattern("payments.*"))
        #expect(broker.subscribers(of: "orders.placed").map(\.name) == ["audit", "email"])
        #expect(broker.subscribers(of: "payments.settled").map(\.name) == ["audit", "ledger"])
        await #expect(throws: PubSubError.undeclaredTopic("orders.placd")) {
            try await broker.publish(["order": 1], to: "orders.placd")
        }
        await #expect(throws: PubSubError.invalidTopicName("orders..x")) { try await broker.declare("orders..x") }
        #expect(throws: PubSubError.subscriptionExists(name: "email", pattern: "orders.*")) {
            try broker.subscribe("email", to: TopicPattern("orders.placed"))
        }
        #expect(try broker.subscribe("email", to: TopicPattern("orders.*")).group == "subscription.email")
    }

    @Test("every subscription receives every record of its matching topics, and only those (fan-out)")
    func fanOut() async throws {
        let broker = try await makeBroker()
        let email = try broker.subscribe("email", to: TopicPattern("orders.*"))
        let audit = try broker.subscribe("audit", to: TopicPattern("#"))
        let ledger = try broker.subscribe("ledger", to: TopicPattern("payments.*"))
        for n in 1...3 {
            try await broker.publish(["n": .number(Double(n))], to: "orders.placed", key: "c\(n)", type: "order.placed")
        }
        try await broker.publish(["n": 4], to: "orders.cancelled", type: "order.cancelled")
        try await broker.publish(["n": 5], to: "payments.settled", type: "payment.settled")
        func numbers(_ events: [TriggerEvent]) -> [Int] {
            events.compactMap { $0.payload["value"]?["n"]?.intValue }.sorted()
        }
        let toEmail = try await receive(4, from: broker, email)
        let toAudit = try await receive(5, from: broker, audit)
        let toLedger = try await receive(1, from: broker, ledger)
        #expect(numbers(toEmail) == [1, 2, 3, 4])
        #expect(numbers(toAudit) == [1, 2, 3, 4, 5])
        #expect(numbers(toLedger) == [5])
        #expect(Set(toEmail.compactMap { $0.payload["subscription"]?.stringValue }) == ["email"])
        #expect(toLedger.first?.payload["headers"]?["type"]?.stringValue == "payment.settled")
        // Each acknowledged everything: no lag anywhere.
        for subscription in [email, audit, ledger] {
            #expect(try await broker.lag(of: subscription).allSatisfy { $0.lag == 0 })
        }
    }

    @Test("each subscription keeps its own offsets: one that stops early resumes where it stopped")
    func ownOffsets() async throws {
        let broker = try await makeBroker(["orders.placed"])
        let fast = try broker.subscribe("fast", to: TopicPattern("orders.placed"))
        let slow = try broker.subscribe("slow", to: TopicPattern("orders.placed"))
        for n in 1...6 { try await broker.publish(["n": .number(Double(n))], to: "orders.placed", key: "one-key") }
        _ = try await receive(6, from: broker, fast)
        _ = try await receive(2, from: broker, slow)  // reads two, acknowledges two, stops
        #expect(try await broker.lag(of: fast).map(\.lag) == [0])
        #expect(try await broker.lag(of: slow).map(\.lag) == [4])
        // A new stream of the slow subscription (a restart) starts after its last acknowledged record.
        let rest = try await receive(4, from: broker, slow)
        #expect(rest.compactMap { $0.payload["value"]?["n"]?.intValue } == [3, 4, 5, 6])
        #expect(try await broker.lag(of: slow).map(\.lag) == [0])
    }

    @Test("an unacknowledged record is delivered again to that subscription only")
    func redelivery() async throws {
        let broker = try await makeBroker(["orders.placed"])
        let a = try broker.subscribe("a", to: TopicPattern("orders.*"))
        let b = try broker.subscribe("b", to: TopicPattern("orders.*"))
        try await broker.publish(["n": 1], to: "orders.placed")
        _ = try await receive(1, from: broker, a, acknowledging: 0)
        _ = try await receive(1, from: broker, b)
        #expect(try await broker.lag(of: a).map(\.lag) == [1])
        #expect(try await broker.lag(of: b).map(\.lag) == [0])
        let again = try await receive(1, from: broker, a)
        #expect(again.first?.messageId == "orders.placed/\(again.first?.payload["partition"]?.intValue ?? -1)@0")
    }

    @Test("a topic declared after a subscription joins it at the next start of its stream")
    func lateTopic() async throws {
        let broker = try await makeBroker(["orders.placed"])
        let email = try broker.subscribe("email", to: TopicPattern("orders.*"))
        #expect(try await broker.lag(of: email).map(\.topic) == ["orders.placed"])
        try await broker.declare("orders.refunded")
        try await broker.publish(["n": 9], to: "orders.refunded")
        let events = try await receive(1, from: broker, email)
        #expect(events.first?.payload["topic"]?.stringValue == "orders.refunded")
    }
}

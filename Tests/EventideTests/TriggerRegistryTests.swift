import Eventide
import EventideTesting
import Testing

@Suite("Trigger URIs and the scheme registry", .timeLimit(.minutes(3)))
struct TriggerRegistryTests {
    @Test("a trigger URI is split into scheme, endpoint, decoded path segments and query")
    func parsing() throws {
        let uri = try TriggerURI("KAFKA://user:pw@127.0.0.1:19092/orders%2Fv2?group=billing&retries=3")
        #expect(uri.scheme == "kafka")
        #expect(uri.host == "127.0.0.1" && uri.port == 19092)
        #expect(uri.user == "user" && uri.password == "pw")
        #expect(uri.pathSegments == ["orders/v2"])
        #expect(try uri.required("group") == "billing")
        #expect(try uri.integer("retries", in: 0...10) == 3)
        #expect(try uri.endpoint(defaultPort: 9092) == ("127.0.0.1", 19092))
        #expect(try TriggerURI("sqs://localhost/q").endpoint(defaultPort: 5000) == ("localhost", 5000))
    }

    @Test("bad trigger URIs are refused with the reason")
    func refusals() throws {
        #expect(throws: TriggerError.self) { try TriggerURI("no scheme here") }
        let uri = try TriggerURI("sqs://127.0.0.1:5000/a/b?wait=x")
        #expect(throws: TriggerError.invalidURI(uri.text, reason: "expected exactly one queue in the path, found 2")) {
            try uri.singlePathSegment("queue")
        }
        #expect(throws: TriggerError.self) { try uri.required("group") }
        #expect(throws: TriggerError.self) { try uri.integer("wait") }
        #expect(throws: TriggerError.self) { try TriggerURI("sqs:///q").endpoint(defaultPort: 1) }
    }

    @Test("the registry picks the factory by scheme and names the known schemes when none matches")
    func registry() async throws {
        let database = try TemporaryDatabase.make("registry")
        let log = EventLog(database: database)
        let registry = TriggerRegistry.embedded(log: log)
            .registering(.init(scheme: "manual") { uri in ManualTrigger(name: uri.pathSegments.joined()) })
        #expect(registry.schemes == ["eventide", "manual"])
        let embedded = try registry.trigger(for: "eventide://log/orders?group=watcher")
        #expect(embedded.description == "LogTopicTrigger(topic: orders, group: watcher)")
        #expect(try registry.trigger(for: "manual://x/abc").description == "ManualTrigger(abc)")
        #expect(throws: TriggerError.unknownScheme("amqp", uri: "amqp://h/q", known: ["eventide", "manual"])) {
            try registry.trigger(for: "amqp://h/q")
        }
        #expect(throws: TriggerError.self) { try registry.trigger(for: "eventide://log/orders") }  // no group
        #expect(throws: TriggerError.self) { try registry.trigger(for: "eventide://elsewhere/orders?group=g") }
    }

    @Test("the embedded scheme's trigger reads the log as a consumer group")
    func embeddedTriggerReadsTheLog() async throws {
        let log = EventLog(database: try TemporaryDatabase.make("registry"))
        try await log.createTopic("orders")
        try await log.append(EventEnvelope(type: "order.placed", source: "test", data: ["n": 1]), to: "orders")
        let trigger = try TriggerRegistry.embedded(log: log).trigger(for: "eventide://log/orders?group=g")
        var iterator = try trigger.events().makeAsyncIterator()
        let event = try #require(try await iterator.next())
        #expect(event.messageId == "orders/0@0")
        try await event.acknowledge()
        #expect(try await log.committedOffset(group: "g", topic: "orders", partition: 0) == 1)
    }
}

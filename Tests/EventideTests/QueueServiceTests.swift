import Eventide
import EventideAWS
import EventideSQS
import EventideTesting
import Foundation
import Testing

/// One contract, two services: what an example written against `QueueService` relies on holds on the embedded
/// SQLite queues and on SQS (moto).
enum QueueServiceContract {
    static func name(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Send, receive with attributes, invisibility for the timeout, redelivery with a higher count, delete.
    static func roundTrip(_ service: any QueueService) async throws {
        let queue = name("contract")
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(1)))
        let id = try await service.send(queue, body: #"{"order": 7}"#, attributes: ["type": "order.placed"])
        #expect(try await service.counts(queue) == (1, 0))
        let first = try #require(
            try await service.receive(queue, limit: 10, visibilityTimeout: nil, wait: .seconds(2)).first)
        #expect(first.messageId == id && first.body == #"{"order": 7}"# && first.attributes == ["type": "order.placed"])
        #expect(first.receiveCount == 1)
        #expect(try await service.counts(queue) == (0, 1), "in flight while the receiver holds it")
        #expect(try await service.receive(queue, limit: 10, visibilityTimeout: nil, wait: .zero).isEmpty)
        let again = try #require(
            try await service.receive(queue, limit: 10, visibilityTimeout: nil, wait: .seconds(3)).first,
            "visible again once the 1 s timeout ran out")
        #expect(again.messageId == id && again.receiveCount == 2)
        try await service.delete(queue, receipt: again.receipt)
        #expect(try await service.counts(queue) == (0, 0))
    }

    /// A message received `maxReceives` times without a delete goes to the dead-letter queue, body and attributes kept.
    static func redrive(_ service: any QueueService) async throws {
        let (queue, dlq) = (name("redrive"), name("redrive-dlq"))
        try await service.createQueue(dlq, QueueSettings())
        try await service.createQueue(
            queue, QueueSettings(visibilityTimeout: .zero, deadLetterQueue: dlq, maxReceives: 1))
        let id = try await service.send(queue, body: "poison", attributes: ["kind": "bad"])
        let first = try await service.receive(queue, limit: 1, visibilityTimeout: nil, wait: .seconds(2))
        #expect(first.map(\.messageId) == [id])
        #expect(
            try await service.receive(queue, limit: 1, visibilityTimeout: nil, wait: .seconds(1)).isEmpty,
            "received once already: redriven, not delivered again")
        let dead = try #require(
            try await service.receive(dlq, limit: 1, visibilityTimeout: nil, wait: .seconds(2)).first)
        #expect(dead.body == "poison" && dead.attributes["kind"] == "bad")
    }

    /// The service's trigger delivers the payload every queue trigger shares and deletes on acknowledge.
    static func trigger(_ service: any QueueService) async throws {
        let queue = name("trigger")
        try await service.createQueue(queue, QueueSettings())
        let id = try await service.send(queue, body: #"{"n": 1}"#, attributes: ["source": "test"])
        var events = try service.trigger(for: queue, visibilityTimeout: nil, wait: .seconds(2)).events()
            .makeAsyncIterator()
        let event = try #require(try await events.next())
        #expect(event.messageId == id && event.deliveryCount == 1)
        #expect(event.payload == ["body": ["n": 1], "attributes": ["source": "test"], "queue": .string(queue)])
        try await event.acknowledge()
        #expect(try await service.counts(queue) == (0, 0))
    }

    /// SQS's naming rule holds on both: a name the embedded queues take is one SQS takes.
    static func refusesInvalidNames(_ service: any QueueService) async throws {
        for bad in ["", "orders.fifo", "orders events", "ordres/1", "zürich", String(repeating: "q", count: 81)] {
            await #expect(throws: QueueError.invalidQueueName(bad)) {
                try await service.createQueue(bad, QueueSettings())
            }
        }
        let longest = name(String(repeating: "q", count: 71))  // 71 + "-" + 8 = 80
        #expect(longest.count == QueueName.maxLength)
        try await service.createQueue(longest, QueueSettings())
        _ = try await service.send(longest, body: "x", attributes: [:])
        #expect(try await service.counts(longest) == (1, 0))
    }
}

@Suite("QueueService on the embedded queues", .timeLimit(.minutes(3)))
struct EmbeddedQueueServiceTests {
    func service() throws -> any QueueService { EmbeddedQueue(database: try TemporaryDatabase.make("queue-service")) }

    @Test("send, receive with attributes, visibility timeout, redelivery, delete")
    func roundTrip() async throws { try await QueueServiceContract.roundTrip(try service()) }

    @Test("redrive to the dead-letter queue after maxReceives")
    func redrive() async throws { try await QueueServiceContract.redrive(try service()) }

    @Test("the trigger delivers and deletes on acknowledge")
    func trigger() async throws { try await QueueServiceContract.trigger(try service()) }

    @Test("names SQS refuses are refused; the longest it takes is taken")
    func refusesInvalidNames() async throws { try await QueueServiceContract.refusesInvalidNames(try service()) }
}

@Suite(
    "QueueService on SQS (moto)",
    .enabled(if: LocalServer.moto.isRunning, "moto is not running on 127.0.0.1:5000; start it with scripts/servers up"),
    .timeLimit(.minutes(3)))
struct SQSQueueServiceTests {
    let service = SQSQueueService(
        client: SQSClient(
            endpoint: LocalServer.moto.url,
            credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")))

    @Test("send, receive with attributes, visibility timeout, redelivery, delete")
    func roundTrip() async throws { try await QueueServiceContract.roundTrip(service) }

    @Test("redrive to the dead-letter queue after maxReceives")
    func redrive() async throws { try await QueueServiceContract.redrive(service) }

    @Test("the trigger delivers and deletes on acknowledge")
    func trigger() async throws { try await QueueServiceContract.trigger(service) }

    @Test("names SQS refuses are refused; the longest it takes is taken")
    func refusesInvalidNames() async throws { try await QueueServiceContract.refusesInvalidNames(service) }

    @Test("QueueName's rule is the server's: SQS itself refuses what it refuses (sent past the service's check)")
    func ruleMatchesServer() async throws {
        for bad in ["", "orders events", "ordres/1", "zürich", String(repeating: "q", count: 81)] {
            #expect(!QueueName.isValid(bad))
            await #expect {
                _ = try await service.client.createQueue(bad)
            } throws: { error in
                guard case SQSError.service(let code, _, _) = error else { return false }
                return code.hasSuffix("InvalidParameterValue")
            }
        }
    }

    @Test("settings SQS cannot hold are refused with the reason")
    func refusesSettings() async throws {
        await #expect(
            throws: QueueError.invalidSettings(
                queue: "q", reason: "SQS needs maxReceives of 1 to 1000 with a dead-letter queue")
        ) {
            try await service.createQueue("q", QueueSettings(deadLetterQueue: "dlq", maxReceives: nil))
        }
    }
}

@Suite("SQS client from an Airflow AWS connection", .timeLimit(.minutes(3)))
struct SQSConnectionTests {
    @Test("login, password, region_name and endpoint_url make the client")
    func fromConnection() throws {
        let connection = try Connection(
            id: "aws_default",
            uri: "aws://AKID:SECRET@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000")
        let client = try SQSClient(connection: connection, environment: [:])
        #expect(client.endpoint.absoluteString == "http://127.0.0.1:5000" && client.region == "eu-west-1")
        let aws = try SQSClient(
            connection: try Connection(id: "aws_default", uri: "aws://AKID:SECRET@/"), environment: [:])
        #expect(aws.endpoint.absoluteString == "https://sqs.us-east-1.amazonaws.com" && aws.region == "us-east-1")
        let fromEnvironment = try SQSClient(
            connection: try Connection(id: "aws_default", uri: "aws:///?region_name=us-west-2"),
            environment: ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"])
        #expect(fromEnvironment.region == "us-west-2")
    }

    @Test(
        "a connection without credentials, of another scheme or with a bad endpoint is refused with the reason",
        arguments: [
            "aws:///?region_name=eu-west-1", "postgres://u:p@db/x", "aws://K:S@/?endpoint_url=ftp%3A%2F%2Fx",
            "aws://K:S@/?region_name=eu%20west",
        ])
    func refuses(uri: String) throws {
        let connection = try Connection(id: "aws_default", uri: uri)
        #expect {
            _ = try SQSClient(connection: connection, environment: [:])
        } throws: { error in
            if case .unusable(let id, _) = error as? ConnectionError { id == "aws_default" } else { false }
        }
    }
}

import ArgumentParser
import EventideKafkaCLI
import EventidePostgresCLI
import EventideSQSCLI
import Testing

/// Issue 14 point 3: a port that does not fit is refused where the flag is read, with a validation error (exit
/// code 64 and the flag's name), never a trap in the network stack when the first connection opens.
@Suite("Server flags: ports are checked when the flag is parsed", .timeLimit(.minutes(1)))
struct ServerFlagTests {
    @Test(arguments: [
        "http://127.0.0.1:99999", "http://127.0.0.1:0", "aws://k:s@/?endpoint_url=http://127.0.0.1:70000",
    ])
    func sqsRefusesAPortThatDoesNotFit(_ value: String) {
        #expect(throws: (any Error).self) { try QueueOptions.parse(["--sqs", value]) }
    }

    @Test func sqsAcceptsAPortThatFits() throws {
        let options = try QueueOptions.parse(["--sqs", "http://127.0.0.1:5000"])
        #expect(options.sqs == "http://127.0.0.1:5000")
    }

    @Test(arguments: ["postgres://postgres@127.0.0.1:99999/eventide", "postgres://postgres@127.0.0.1:0/eventide"])
    func postgresRefusesAPortThatDoesNotFit(_ value: String) {
        #expect(throws: (any Error).self) { try ChangeFeedOptions.parse(["--postgres", value]) }
    }

    @Test func postgresAcceptsAPortThatFits() throws {
        let options = try ChangeFeedOptions.parse(["--postgres", "postgres://postgres@127.0.0.1:55432/eventide"])
        #expect(options.postgres == "postgres://postgres@127.0.0.1:55432/eventide")
    }

    @Test(arguments: ["127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1"])
    func kafkaRefusesAPortThatDoesNotFit(_ value: String) {
        #expect(throws: (any Error).self) { try TopicOptions.parse(["--kafka", value]) }
    }

    @Test func kafkaAcceptsAPortThatFits() throws {
        #expect(try TopicOptions.parse(["--kafka", "127.0.0.1:19092"]).kafka == "127.0.0.1:19092")
    }
}

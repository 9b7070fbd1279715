import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import Testing

@Suite("Reconnect backoff and transient AWS failures", .timeLimit(.minutes(1)))
struct ReconnectBackoffTests {
    @Test("delays grow from the initial delay, are capped by the maximum, and are jittered within [cap/2, cap]")
    func delays() {
        let backoff = ReconnectBackoff(
            initialDelay: .milliseconds(100), maximumDelay: .seconds(1), deadline: .seconds(30))
        var generator = SystemRandomNumberGenerator()
        for (retry, cap) in [
            (1, Duration.milliseconds(100)), (2, .milliseconds(200)), (3, .milliseconds(400)),
            (4, .milliseconds(800)), (5, .seconds(1)), (40, .seconds(1)),
        ] {
            let delays = (0..<50).map { _ in backoff.delay(beforeRetry: retry, using: &generator) }
            #expect(delays.allSatisfy { $0 >= cap / 2 && $0 <= cap }, "retry \(retry)")
            #expect(Set(delays).count > 1, "jittered, not all the same (retry \(retry))")
        }
    }

    struct Transient: Error {}
    struct Permanent: Error {}

    actor Attempts {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    @Test("transient failures are retried until the operation succeeds; a permanent one is thrown at once")
    func retries() async throws {
        let backoff = ReconnectBackoff(
            initialDelay: .milliseconds(1), maximumDelay: .milliseconds(4), deadline: .seconds(10))
        let attempts = Attempts()
        let value = try await backoff.run(isTransient: { $0 is Transient }) {
            if await attempts.next() < 4 { throw Transient() }
            return "done"
        }
        #expect(value == "done")
        #expect(await attempts.count == 4)
        let permanent = Attempts()
        await #expect(throws: Permanent.self) {
            try await backoff.run(isTransient: { $0 is Transient }) { () async throws -> Int in
                _ = await permanent.next()
                throw Permanent()
            }
        }
        #expect(await permanent.count == 1)
    }

    @Test("past the deadline the last transient error is thrown; .none tries once")
    func deadline() async throws {
        let attempts = Attempts()
        await #expect(throws: Transient.self) {
            try await ReconnectBackoff(
                initialDelay: .milliseconds(5), maximumDelay: .milliseconds(20), deadline: .milliseconds(200)
            )
            .run(isTransient: { $0 is Transient }) { () async throws -> Int in
                _ = await attempts.next()
                throw Transient()
            }
        }
        #expect(await attempts.count > 1)
        let once = Attempts()
        await #expect(throws: Transient.self) {
            try await ReconnectBackoff.none.run(isTransient: { $0 is Transient }) { () async throws -> Int in
                _ = await once.next()
                throw Transient()
            }
        }
        #expect(await once.count == 1)
    }

    @Test(
        "with a FirstContact: the short deadline until the server is reached, the full one from then on, also when the contact came within the same run"
    )
    func firstContactDuringRun() async throws {
        // Each retry waits 10-20 ms; five failures take over 50 ms, past the 30 ms first-contact deadline.
        let backoff = ReconnectBackoff(
            initialDelay: .milliseconds(20), maximumDelay: .milliseconds(20), deadline: .seconds(30),
            firstContactDeadline: .milliseconds(30))
        let neverReached = Attempts()
        await #expect(throws: Transient.self) {
            try await backoff.run(contact: FirstContact(), isTransient: { $0 is Transient }) { () async throws -> Int in
                _ = await neverReached.next()
                throw Transient()
            }
        }
        #expect(await neverReached.count <= 4, "given up within the first-contact deadline")
        // Connected on the first attempt, then the connection was lost: an outage, ridden out.
        let contact = FirstContact()
        let attempts = Attempts()
        let value = try await backoff.run(contact: contact, isTransient: { $0 is Transient }) {
            let attempt = await attempts.next()
            if attempt == 1 { contact.record() }
            if attempt < 6 { throw Transient() }
            return attempt
        }
        #expect(value == 6)
    }

    @Test("SQS and S3 errors: unreachable, 5xx, 429 and throttling codes are transient; client errors are not")
    func transientErrors() {
        #expect(SQSError.unreachable(endpoint: "e", reason: "connection refused").isTransient)
        #expect(SQSError.service(code: "InternalFailure", message: "", status: 500).isTransient)
        #expect(SQSError.service(code: "ThrottlingException", message: "", status: 400).isTransient)
        #expect(SQSError.service(code: "HTTP429", message: "", status: 429).isTransient)
        #expect(!SQSError.service(code: "QueueDoesNotExist", message: "", status: 400).isTransient)
        #expect(!SQSError.malformedResponse(operation: "o", reason: "r").isTransient)
        #expect(!SQSError.invalidEndpoint(endpoint: "e", reason: "r").isTransient)
        #expect(S3Error.service(code: "SlowDown", message: "", status: 503).isTransient)
        #expect(S3Error.unreachable(endpoint: "e", reason: "reset").isTransient)
        #expect(!S3Error.service(code: "NoSuchBucket", message: "", status: 404).isTransient)
        #expect(!S3Error.notAnEventNotification(reason: "r").isTransient)
    }
}

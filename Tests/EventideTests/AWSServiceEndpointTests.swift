import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import EventideTesting
import Foundation
import Testing

/// `AWSServiceEndpoint` without a server: what it refuses before sending, what it reports when nobody answers, and
/// how the S3 and SQS clients turn both into their own typed errors. The exchanges that get an answer are tested
/// through the clients against moto (`SQSClientTests`, `S3NotificationTriggerTests`).
@Suite("AWS service endpoint: refusals and failures, typed by each client", .timeLimit(.minutes(1)))
struct AWSServiceEndpointTests {
    let credentials = AWSCredentials(accessKeyId: "a", secretAccessKey: "b")

    /// A port on 127.0.0.1 that nothing listens on.
    func closedEndpoint() throws -> URL {
        try #require(URL(string: "http://127.0.0.1:\(try FreePort.find())"))
    }

    @Test("a port outside 1–65535 is refused before anything is sent, as each client's invalidEndpoint")
    func invalidPort() async throws {
        let endpoint = try #require(URL(string: "http://127.0.0.1:70000"))
        let service = AWSServiceEndpoint(endpoint: endpoint, service: "sqs", credentials: credentials, retry: .none)
        do {
            _ = try await service.exchange(method: .POST, url: endpoint, headers: [:], body: Data("{}".utf8), limit: 64)
            Issue.record("expected invalidEndpoint")
        } catch AWSServiceEndpoint.Failure.invalidEndpoint(let reason) {
            #expect(reason.contains("70000"))
        }
        await #expect {
            try await SQSClient(endpoint: endpoint, credentials: credentials, retry: .none).queueURL("q")
        } throws: { error in
            if case SQSError.invalidEndpoint(_, let reason) = error { reason.contains("70000") } else { false }
        }
        await #expect {
            try await S3Client(endpoint: endpoint, credentials: credentials, retry: .none).createBucket("b")
        } throws: { error in
            if case S3Error.invalidEndpoint(_, let reason) = error { reason.contains("70000") } else { false }
        }
    }

    @Test("a closed port is unreachable, once under the .none policy, as each client's unreachable")
    func closedPort() async throws {
        let endpoint = try closedEndpoint()
        let service = AWSServiceEndpoint(endpoint: endpoint, service: "s3", credentials: credentials, retry: .none)
        let attempts = Counter()
        await #expect(throws: AWSServiceEndpoint.Failure.self) {
            try await service.retrying(isTransient: { _ in true }) {
                attempts.next()
                return try await service.exchange(method: .GET, url: endpoint, headers: [:], body: Data(), limit: 64)
            }
        }
        #expect(attempts.current == 1, "`.none` sends once")
        await #expect {
            try await S3Client(endpoint: endpoint, credentials: credentials, retry: .none).getObject(
                bucket: "b", key: "k")
        } throws: { error in
            if case S3Error.unreachable(let reported, _) = error { reported == endpoint.absoluteString } else { false }
        }
        await #expect {
            try await SQSClient(endpoint: endpoint, credentials: credentials, retry: .none).queueURL("q")
        } throws: { error in
            if case SQSError.unreachable(let reported, _) = error { reported == endpoint.absoluteString } else { false }
        }
    }

    @Test("retrying(_:) keeps the endpoint, the service, the region and the credentials, with the new policy")
    func anotherPolicy() throws {
        let endpoint = try closedEndpoint()
        let service = AWSServiceEndpoint(
            endpoint: endpoint, service: "sqs", region: "eu-west-1", credentials: credentials, retry: .none)
        let patient = service.retrying(ReconnectBackoff(deadline: .seconds(30)))
        #expect(patient.endpoint == endpoint)
        #expect(patient.signer.service == "sqs" && patient.signer.region == "eu-west-1")
        #expect(patient.signer.credentials.accessKeyId == "a")
        #expect(patient.retry.deadline == .seconds(30) && service.retry.deadline == .zero)
        let client = SQSClient(endpoint: endpoint, region: "eu-west-1", credentials: credentials, retry: .none)
        #expect(client.retrying(ReconnectBackoff(deadline: .seconds(30))).retry.deadline == .seconds(30))
        #expect(client.region == "eu-west-1")
    }
}

import Eventide
import EventideAWS
import EventideSQS
import Foundation
import Testing

@Suite("Connections", .timeLimit(.minutes(1)))
struct ConnectionTests {
    @Test("AIRFLOW_CONN_<ID> variables resolve by id, case-insensitively, with query extras")
    func resolves() throws {
        let registry = ConnectionRegistry(environment: [
            "AIRFLOW_CONN_LANDING_FS": "file:///data/landing?suffix=.csv", "PATH": "/bin",
            "AIRFLOW_CONN_S3_DEFAULT": "s3://user:secret@bucket",
        ])
        #expect(registry.ids == ["landing_fs", "s3_default"])
        let landing = try registry.connection("landing_fs")
        #expect(landing.uri.path == "/data/landing")
        #expect(landing.extra == ["suffix": ".csv"])
        #expect(try registry.connection("S3_DEFAULT").redacted == "s3://user:***@bucket")
    }

    @Test("an unknown id names the variable to set; a bad URI is refused")
    func errors() {
        let registry = ConnectionRegistry(environment: ["AIRFLOW_CONN_A": "file:///a"])
        #expect(throws: ConnectionError.unknown(id: "b", known: ["a"])) { try registry.connection("b") }
        #expect(ConnectionError.unknown(id: "b", known: []).description.contains("AIRFLOW_CONN_B"))
        #expect(throws: ConnectionError.self) { try Connection(id: "x", uri: "no scheme") }
    }

    static let badPorts = ["0", "65536", "99999", "4294967296"]

    @Test("a connection URI whose port is not 1–65535 is refused with a typed error (issue 14)", arguments: badPorts)
    func connectionPort(port: String) {
        #expect(throws: ConnectionError.self) { try Connection(id: "x", uri: "postgres://u@127.0.0.1:\(port)/db") }
        #expect(throws: ConnectionError.self) {
            try ConnectionRegistry(environment: ["AIRFLOW_CONN_K": "kafka://127.0.0.1:\(port)"]).connection("k")
        }
        #expect(NetworkPort.problem(Int(port)) != nil)
    }

    @Test("ports 1 and 65535 and an absent port are accepted")
    func goodPorts() throws {
        #expect(try Connection(id: "x", uri: "postgres://u@127.0.0.1:1/db").uri.port == 1)
        #expect(try Connection(id: "x", uri: "postgres://u@127.0.0.1:65535/db").uri.port == 65535)
        #expect(try Connection(id: "x", uri: "postgres://u@127.0.0.1/db").uri.port == nil)
        #expect(try TriggerURI("kafka://127.0.0.1:65535/t?group=g").port == 65535)
        #expect(NetworkPort.problem(nil) == nil && NetworkPort.problem(1) == nil && NetworkPort.problem(65_535) == nil)
    }

    @Test(
        "an AWS connection whose endpoint_url names a port that does not fit is refused, not trapped on",
        arguments: badPorts)
    func endpointURLPort(port: String) throws {
        let endpoint = "http%3A%2F%2F127.0.0.1%3A\(port)"
        let connection = try Connection(id: "aws_default", uri: "aws://KEY:SECRET@/?endpoint_url=\(endpoint)")
        #expect(throws: ConnectionError.self) { try AWSConnectionSettings(connection: connection, environment: [:]) }
        #expect(throws: ConnectionError.self) { try SQSClient(connection: connection, environment: [:]) }
    }

    @Test("trigger URIs whose port does not fit are refused by every scheme's parser", arguments: badPorts)
    func triggerURIPort(port: String) {
        for uri in [
            "sqs://127.0.0.1:\(port)/q", "kafka://127.0.0.1:\(port)/t?group=g", "amqp://127.0.0.1:\(port)/q",
            "postgres://postgres@127.0.0.1:\(port)/db?slot=s", "s3+sqs://127.0.0.1:\(port)/q",
        ] {
            #expect(throws: TriggerError.self) { try TriggerURI(uri) }
        }
    }

    @Test("an SQS client built with a port that does not fit fails its requests with a typed error")
    func clientWithBadPort() async throws {
        let client = SQSClient(
            endpoint: try #require(URL(string: "http://127.0.0.1:99999")),
            credentials: AWSCredentials(accessKeyId: "a", secretAccessKey: "b"))
        await #expect { _ = try await client.createQueue("q") } throws: { error in
            if case SQSError.invalidEndpoint = error { true } else { false }
        }
    }

    @Test(
        "a region name with a non-ASCII letter is refused, not force-unwrapped into a nil URL (found by scripts/fuzz)")
    func unicodeRegion() throws {
        let connection = try Connection(id: "aws_default", uri: "aws://KEY:SECRET@/?region_name=eu-%C8%BD-1")
        #expect(throws: ConnectionError.self) { try SQSClient(connection: connection, environment: [:]) }
        let ascii = try Connection(id: "aws_default", uri: "aws://KEY:SECRET@/?region_name=eu-west-1")
        #expect(
            try SQSClient(connection: ascii, environment: [:]).endpoint.absoluteString
                == "https://sqs.eu-west-1.amazonaws.com")
    }
}

import ArgumentParser
import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import Foundation

/// The flag that moves a queue example from the embedded SQLite queues (the default, offline) to SQS.
public struct QueueOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("sqs"),
        help: ArgumentHelp(
            "Run on SQS instead of the embedded queues: an endpoint, an Airflow connection URI or a connection id.",
            discussion: """
                http://127.0.0.1:5000 is the moto server of scripts/servers up moto (credentials from AWS_ACCESS_KEY_ID \
                and AWS_SECRET_ACCESS_KEY, else moto's 'testing' on loopback); aws://KEY:SECRET@/?region_name=…&endpoint_url=… \
                is a connection URI; aws_default is read from AIRFLOW_CONN_AWS_DEFAULT.
                """, valueName: "endpoint|uri|conn_id"))
    public var sqs: String?

    public init() {}

    public func validate() throws {
        guard let sqs else { return }
        do {
            let connection = try Self.connection(sqs)
            // An endpoint_url whose port does not fit is refused here, not when the first request is sent.
            if let endpoint = connection.extra["endpoint_url"].flatMap(URL.init(string:)),
                let problem = NetworkPort.problem(endpoint.port)
            {
                throw ConnectionError.unusable(id: connection.id, reason: "endpoint_url: \(problem)")
            }
        } catch { throw ValidationError("--sqs: \(error)") }
    }

    /// The AWS connection `--sqs` names, or `nil` for the embedded queues.
    public var connection: Connection? { get throws { try sqs.map { try Self.connection($0) } } }

    /// The embedded queues in `database`, or SQS as `--sqs` says.
    public func service(
        database: EventideDatabase,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any QueueService {
        guard let connection = try connection else { return EmbeddedQueue(database: database) }
        return SQSQueueService(
            client: try SQSClient(
                connection: connection,
                environment: Self.withLoopbackCredentials(
                    environment, connection: connection)))
    }

    /// Buckets beside the queues: folders under `database`'s folder publishing to the embedded queues, or S3 on the
    /// `--sqs` server publishing to its SQS.
    public func objectStore(
        database: EventideDatabase, queues: any QueueService,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any ObjectStore {
        guard let connection = try connection, let sqs = queues as? SQSQueueService else {
            return EmbeddedObjectStore(folder: try database.folder("buckets"), queues: queues)
        }
        return S3ObjectStore(
            client: try S3Client(
                connection: connection,
                environment: Self.withLoopbackCredentials(
                    environment, connection: connection)), queues: sqs)
    }

    /// An endpoint becomes `aws:///?endpoint_url=…`; `aws://…` is taken as is; anything else is a connection id.
    static func connection(
        _ text: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Connection {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard let url = URL(string: text), url.host?.isEmpty == false else {
                throw ConnectionError.invalidURI(id: "sqs", uri: text)
            }
            if let problem = NetworkPort.problem(url.port) {
                throw ConnectionError.unusable(id: "sqs", reason: problem)
            }
            var components = URLComponents()
            components.scheme = "aws"
            components.host = ""
            components.path = "/"
            components.queryItems = [URLQueryItem(name: "endpoint_url", value: text)]
            return try Connection(id: "sqs", uri: components.string ?? "")
        }
        if text.hasPrefix("aws://") { return try Connection(id: "sqs", uri: text) }
        return try ConnectionRegistry(environment: environment).connection(text)
    }

    /// moto takes any credentials; against a loopback endpoint without credentials, use its conventional ones.
    static func withLoopbackCredentials(_ environment: [String: String], connection: Connection) -> [String: String] {
        guard AWSCredentials.fromEnvironment(environment) == nil,
            let endpoint = connection.extra["endpoint_url"].flatMap(URL.init(string:)),
            ["127.0.0.1", "localhost", "::1"].contains(endpoint.host ?? "")
        else { return environment }
        return environment.merging(["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]) { own, _ in own
        }
    }
}

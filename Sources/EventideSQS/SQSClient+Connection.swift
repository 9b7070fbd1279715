import Eventide
import EventideAWS
import Foundation

extension SQSClient {
    /// A client for an Airflow-style AWS connection (`AIRFLOW_CONN_AWS_DEFAULT`), as `AWSConnectionSettings` reads it:
    /// `aws://KEY:SECRET@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000`.
    public init(
        connection: Connection,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConnectionError) {
        let settings = try AWSConnectionSettings(connection: connection, environment: environment)
        self.init(
            endpoint: try settings.endpoint(for: "sqs"), region: settings.region, credentials: settings.credentials)
    }

    /// The region this client signs for.
    public var region: String { signer.region }
}

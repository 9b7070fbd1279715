import Eventide
import EventideAWS
import Foundation

extension S3Client {
    /// A client for an Airflow-style AWS connection (`AIRFLOW_CONN_AWS_DEFAULT`), as `AWSConnectionSettings` reads it.
    public init(
        connection: Connection,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConnectionError) {
        let settings = try AWSConnectionSettings(connection: connection, environment: environment)
        self.init(
            endpoint: try settings.endpoint(for: "s3"), region: settings.region, credentials: settings.credentials)
    }
}

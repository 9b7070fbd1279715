import Eventide
import EventideAWS
import Foundation

extension SQSClient {
    /// A client for an Airflow-style AWS connection (`AIRFLOW_CONN_AWS_DEFAULT`):
    /// `aws://KEY:SECRET@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000`.
    ///
    /// Credentials are the connection's login and password, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`;
    /// the region is `region_name` (default `us-east-1`); the endpoint is `endpoint_url` (a local server such as
    /// moto), else `https://sqs.<region>.amazonaws.com`.
    public init(connection: Connection,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConnectionError) {
        guard connection.uri.scheme == "aws" else {
            throw ConnectionError.unusable(id: connection.id, reason: "an SQS client needs an aws:// connection, got \(connection.redacted)")
        }
        let components = URLComponents(url: connection.uri, resolvingAgainstBaseURL: false)
        let fromURI = components.flatMap { parts in
            parts.user.flatMap { user in parts.password.map { AWSCredentials(accessKeyId: user, secretAccessKey: $0) } }
        }
        guard let credentials = fromURI ?? AWSCredentials.fromEnvironment(environment) else {
            throw ConnectionError.unusable(id: connection.id, reason: "no credentials: put them in the URI "
                + "(aws://KEY:SECRET@/…) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let region = connection.extra["region_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ConnectionError.unusable(id: connection.id, reason: "'\(region)' is not a region name")
        }
        let endpointText = connection.extra["endpoint_url"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "https://sqs.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), ["http", "https"].contains(endpoint.scheme ?? ""),
              endpoint.host?.isEmpty == false else {
            throw ConnectionError.unusable(id: connection.id, reason: "endpoint_url '\(endpointText)' is not an http(s) URL")
        }
        self.init(endpoint: endpoint, region: region, credentials: credentials)
    }

    /// The region this client signs for.
    public var region: String { signer.region }
}

import Eventide
import Foundation

/// What an Airflow-style AWS connection (`AIRFLOW_CONN_AWS_DEFAULT`) says:
/// `aws://KEY:SECRET@/?region_name=eu-west-1&endpoint_url=http%3A%2F%2F127.0.0.1%3A5000`.
///
/// Credentials are the connection's login and password, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`; the
/// region is `region_name` (default `us-east-1`); `endpoint_url` points every service at one server (a local moto),
/// else each service has its AWS endpoint.
public struct AWSConnectionSettings: Sendable, Hashable {
    public let credentials: AWSCredentials
    public let region: String
    public let endpointURL: URL?

    public init(
        connection: Connection,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConnectionError) {
        guard connection.uri.scheme == "aws" else {
            throw ConnectionError.unusable(
                id: connection.id, reason: "an AWS client needs an aws:// connection, got \(connection.redacted)")
        }
        let components = URLComponents(url: connection.uri, resolvingAgainstBaseURL: false)
        let fromURI = components.flatMap { parts in
            parts.user.flatMap { user in parts.password.map { AWSCredentials(accessKeyId: user, secretAccessKey: $0) } }
        }
        guard let credentials = fromURI ?? AWSCredentials.fromEnvironment(environment) else {
            throw ConnectionError.unusable(
                id: connection.id,
                reason: "no credentials: put them in the URI "
                    + "(aws://KEY:SECRET@/…) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let region = connection.extra["region_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        // ASCII only: the region goes into a host name (a non-ASCII letter made that URL nil, found by fuzzing).
        guard region.count <= 63, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ConnectionError.unusable(
                id: connection.id, reason: "'\(region)' is not a region name (e.g. eu-west-1)")
        }
        var endpointURL: URL?
        if let text = connection.extra["endpoint_url"], !text.isEmpty {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false
            else {
                throw ConnectionError.unusable(
                    id: connection.id, reason: "endpoint_url '\(text)' is not an http(s) URL")
            }
            if let problem = NetworkPort.problem(url.port) {
                throw ConnectionError.unusable(id: connection.id, reason: "endpoint_url '\(text)': \(problem)")
            }
            endpointURL = url
        }
        self.credentials = credentials
        self.region = region
        self.endpointURL = endpointURL
    }

    /// Where to reach `service` (e.g. `sqs`, `s3`): `endpoint_url`, else `https://<service>.<region>.amazonaws.com`;
    /// throws when `service` cannot be part of a host name.
    public func endpoint(for service: String) throws(ConnectionError) -> URL {
        if let endpointURL { return endpointURL }
        guard let url = URL(string: "https://\(service).\(region).amazonaws.com") else {
            throw ConnectionError.unusable(
                id: "aws", reason: "'\(service)' in region '\(region)' makes no endpoint URL")
        }
        return url
    }
}

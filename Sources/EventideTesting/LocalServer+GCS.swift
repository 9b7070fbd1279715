extension LocalServer {
    /// fake-gcs-server, GCS's JSON API over HTTP (`scripts/servers up gcs`), for EventideGCS's tests and 95.3.2.
    public static let gcs = LocalServer(name: "gcs", port: 4443)
}

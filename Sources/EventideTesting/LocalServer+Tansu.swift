extension LocalServer {
    /// tansu, a Kafka-compatible broker (`scripts/servers up tansu`), for EventideKafka's tests.
    public static let tansu = LocalServer(name: "tansu", port: 19092)
}

import Foundation

extension LocalServer {
    /// RabbitMQ (`scripts/servers up rabbitmq`) on 127.0.0.1:5672, or on the port in `EVENTIDE_RABBITMQ_PORT`,
    /// or on the one the script wrote to `.build/servers/rabbitmq.port` when 5672 was taken.
    public static let rabbitmq = LocalServer(name: "rabbitmq", port: rabbitmqPort())

    private static func rabbitmqPort() -> UInt16 {
        if let text = ProcessInfo.processInfo.environment["EVENTIDE_RABBITMQ_PORT"], let port = UInt16(text) {
            return port
        }
        // This file is Sources/EventideTesting/LocalServer+RabbitMQ.swift; the package root is two folders up.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = root.appendingPathComponent(".build/servers/rabbitmq.port")
        if let text = try? String(contentsOf: file, encoding: .utf8),
            let port = UInt16(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return port
        }
        return 5672
    }
}

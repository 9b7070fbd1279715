import ArgumentParser
import Eventide
import EventideAWS
import EventideSQS
import Foundation

/// SQS send and receive rates of our client beside boto3's, against the same server in one run:
/// `scripts/servers up moto && swift run --package-path Benchmarks -c release eventide-sqs-benchmark`.
@main
struct SQSBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-sqs-benchmark",
        abstract: "Measures SQS send and receive+delete messages/s of EventideSQS beside boto3 against the same server."
    )

    @Option(help: "The SQS endpoint (moto from scripts/servers).") var endpoint = "http://127.0.0.1:5000"
    @Option(help: "Messages per measurement (at most 20,000).") var messages = 2_000
    @Option(help: "Body size in bytes.") var size = 100

    func validate() throws {
        guard (1...20_000).contains(messages) else { throw ValidationError("--messages must be in 1...20000") }
        guard URL(string: endpoint)?.host != nil else {
            throw ValidationError("--endpoint must be a URL such as http://127.0.0.1:5000")
        }
    }

    func run() async throws {
        let client = SQSClient(
            endpoint: URL(string: endpoint)!,
            credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))
        let queue = try await client.createQueue("bench-eventide-\(UUID().uuidString.prefix(8).lowercased())")
        let body = String(repeating: "x", count: size)

        let sendStart = ContinuousClock.now
        for _ in 0..<messages { try await client.send(queue, body: body) }
        let send = Double(messages) / (ContinuousClock.now - sendStart).inSeconds

        let receiveStart = ContinuousClock.now
        var received = 0
        while received < messages {
            let batch = try await client.receive(queue, maxMessages: 10, waitSeconds: 1)
            if batch.isEmpty { break }
            _ = try await client.deleteBatch(
                queue, batch.enumerated().map { (String($0.offset), $0.element.receiptHandle) })
            received += batch.count
        }
        let receive = Double(received) / (ContinuousClock.now - receiveStart).inSeconds

        let boto3 = try Self.boto3(endpoint: endpoint, messages: messages, size: size)
        print(
            "SQS against \(endpoint), \(messages) messages of \(size) B, sequential calls"
                + (isDebugBuild ? " (DEBUG build)" : ""))
        print(
            String(
                format: "  send:            eventide %8.0f msg/s   boto3 %8.0f msg/s   ratio %.2f",
                send, boto3.send, send / boto3.send))
        print(
            String(
                format:
                    "  receive+delete:  eventide %8.0f msg/s   boto3 %8.0f msg/s   ratio %.2f  (received %d and %d)",
                receive, boto3.receive, receive / boto3.receive, received, boto3.received))
    }

    var isDebugBuild: Bool {
        #if DEBUG
            true
        #else
            false
        #endif
    }

    static func boto3(endpoint: String, messages: Int, size: Int) throws -> (
        send: Double, receive: Double, received: Int
    ) {
        // The repository's scripts/sqs/bench.py (this file is Benchmarks/Sources/EventideSQSBenchmark/main.swift).
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../scripts/sqs/bench.py").standardizedFileURL.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--endpoint", endpoint, "--messages", "\(messages)",
            "--size", "\(size)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
            let send = json["send_per_s"]?.doubleValue, let receive = json["receive_per_s"]?.doubleValue
        else {
            throw ValidationError(
                "scripts/sqs/bench.py failed (exit \(process.terminationStatus)); is boto3 installed (pip install boto3)?"
            )
        }
        return (send, receive, json["received"]?.intValue ?? 0)
    }
}

import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct SQSFilteringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_02_sqs_filtering",
        abstract:
            "117.2.2 SQS message filtering: attribute and body filter policies on a queue with many message types.",
        discussion: """
            Sends eight messages of several types and regions to one queue, then starts the watcher. It skips \
            (acknowledges and counts) those its attribute policy or body policy (SNS syntax) rejects, dead-letters a \
            type no handler knows, and records the rest; each decision is noted with its reason when the watcher \
            makes it, and each run executes the handler task of its message's type. Runs on the embedded queues; \
            --sqs http://127.0.0.1:5000 runs it on moto (scripts/servers up moto).

            Does not resume: on a --db that an earlier run used, or a queue that still holds messages, it refuses \
            before sending or receiving anything (the earlier run's messages stay where they are); pass a new --db, \
            or omit it, and another --queue on a server.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name.") var queue = "commerce-events"
    @Option(help: "Filter policy on message attributes (SNS syntax).") var attributePolicy = SQSFiltering
        .defaultAttributePolicy
    @Option(help: "Filter policy on the JSON body (SNS syntax).") var bodyPolicy = SQSFiltering.defaultBodyPolicy

    func validate() throws {
        guard (1...76).contains(queue.count),
            queue.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw ValidationError(
                "--queue must be 1 to 76 letters, digits, '-' or '_' (its DLQ adds '-dlq'), got '\(queue)'")
        }
        do { _ = try FilterPolicy(json: attributePolicy) } catch {
            throw ValidationError("--attribute-policy: \(error)")
        }
        do { _ = try FilterPolicy(json: bodyPolicy, scope: .messageBody) } catch {
            throw ValidationError("--body-policy: \(error)")
        }
    }

    func run() async throws {
        let configuration = SQSFiltering.Configuration(
            queue: queue, attributePolicy: attributePolicy, bodyPolicy: bodyPolicy)
        try await options.run(prefix: "sqs-filtering") { database in
            try await SQSFiltering.run(
                configuration, service: try queues.service(database: database), database: database)
        }
    }
}

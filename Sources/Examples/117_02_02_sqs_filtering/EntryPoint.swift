import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct SQSFilteringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_02_sqs_filtering",
        abstract: "117.2.2 SQS message filtering: attribute and body filter policies on a queue with many message types.",
        discussion: """
            Sends eight messages of several types and regions to one queue. The watcher skips (acknowledges and counts) \
            those its attribute policy or body policy (SNS syntax) rejects, dead-letters a type no handler knows, and \
            records the rest; each run executes the handler task of its message's type. Runs on the embedded queues; \
            --sqs http://127.0.0.1:5000 runs it on moto (scripts/servers up moto).
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name.") var queue = "commerce-events"
    @Option(help: "Filter policy on message attributes (SNS syntax).") var attributePolicy = SQSFiltering.defaultAttributePolicy
    @Option(help: "Filter policy on the JSON body (SNS syntax).") var bodyPolicy = SQSFiltering.defaultBodyPolicy

    func validate() throws {
        do { _ = try FilterPolicy(json: attributePolicy) } catch { throw ValidationError("--attribute-policy: \(error)") }
        do { _ = try FilterPolicy(json: bodyPolicy, scope: .messageBody) } catch { throw ValidationError("--body-policy: \(error)") }
    }

    func run() async throws {
        let database = try options.openDatabase(prefix: "sqs-filtering")
        let report = try await SQSFiltering.run(
            .init(queue: queue, attributePolicy: try FilterPolicy(json: attributePolicy),
                  bodyPolicy: try FilterPolicy(json: bodyPolicy, scope: .messageBody)),
            service: try queues.service(database: database), database: database)
        print(report.render(json: options.json))
    }
}

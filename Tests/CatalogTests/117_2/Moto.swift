import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import EventideTesting
import Foundation
import Testing

@testable import EventideSQSCLI
@testable import Ex117_02_01_sqs_watcher_setup
@testable import Ex117_02_02_sqs_filtering
@testable import Ex117_02_03_s3_sqs_events
@testable import Ex117_02_04_sqs_batch_processing
@testable import Ex117_02_05_sqs_dlq

/// The 117.2 items on moto's SQS: a client for the region, and a queue name no other test uses.
enum Moto {
    static let enabled = LocalServer.moto.isRunning
    static let reason: Comment = "moto is not running on 127.0.0.1:5000; start it with scripts/servers up moto"

    static func service(region: String = "us-east-1") -> SQSQueueService {
        SQSQueueService(
            client: SQSClient(
                endpoint: LocalServer.moto.url, region: region,
                credentials: AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")))
    }

    static func queue(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
}

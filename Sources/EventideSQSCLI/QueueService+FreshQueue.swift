import Eventide
import EventideCLI

extension QueueService {
    /// Throws unless `queue` holds no message: examples narrate from an empty queue, and a queue an earlier run
    /// left messages in (on a long-lived server) would make the story wrong.
    public func requireEmptyQueue(_ queue: String) async throws {
        let (ready, held) = try await counts(queue)
        guard ready == 0, held == 0 else {
            throw ExampleError.queueNotEmpty(queue: try await queueURL(queue), messages: ready + held)
        }
    }
}

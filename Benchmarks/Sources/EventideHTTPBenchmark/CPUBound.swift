import Foundation

/// The most events a second the machine's cores could commit through the API if it spent no CPU of its own:
/// each event costs the server at least what HTTP costs for its request (the bare POST: same token, same body) plus
/// what the store costs to record it (the record path alone, no HTTP), and costs the load client what its request
/// costs it. With every core busy on those and nothing else, events/s ≤ cores / (server + client CPU per event).
///
/// A rate is CPU per answer × answers, so the ratio to the bare GET is the ratio of their cores busy times the
/// inverse ratio of their CPU per answer: a ratio this bound puts below ½ cannot be reached by cutting waits or
/// idle time, only by making a committed event's CPU cheaper than HTTP and the store together.
struct CPUBound {
    static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// µs of server CPU per answer of the bare POST.
    let barePost: Double
    /// µs of CPU per event of the record path alone.
    let recordPath: Double
    /// µs of the load client's CPU per answer of the API load (0 when the client runs in the server's process).
    let client: Double

    var rate: Double { Double(Self.cores) * 1e6 / max(barePost + recordPath + client, 1) }
}

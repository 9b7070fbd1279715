import Eventide
import Foundation

/// 117.5.1 — one asset, three watchers: orders arrive on an embedded queue, as JSON files dropped in a folder and
/// on a log topic, and the same order often arrives on more than one. Each watcher extracts the order into the
/// same `extra` shape; a `WatcherPriority` on the asset ranks the sources (queue, then file drop, then log) and
/// deduplicates by order id: within a window the highest-ranked copy becomes the asset event, the others are
/// dropped, and a copy after that is a duplicate. One order, one asset event, one run.
enum MultipleWatchers {
    // [START watchers]
    /// Where the three sources are (the queue, the drop folder, the log topic).
    struct Sources: Sendable {
        let queues: EmbeddedQueue
        let queue: String
        let folder: URL
        let log: EventLog
        let topic: String
    }

    /// The watchers of asset `name`, highest priority first: `<name>_queue`, `<name>_drop`, `<name>_log`.
    static func watchers(of name: String) -> (queue: String, drop: String, log: String) {
        ("\(name)_queue", "\(name)_drop", "\(name)_log")
    }

    /// The orders asset watched by all three; each watcher's `extract` reads the order from its source's payload.
    static func orders(_ name: String, sources: Sources) throws -> Asset {
        let names = watchers(of: name)
        return try Asset(uri: "eventide://orders/\(name)", name: name).watched(by: [
            AssetWatcher(
                name: names.queue,
                trigger: EmbeddedQueueTrigger(queues: sources.queues, queue: sources.queue, wait: .milliseconds(50)),
                extract: { try order($0.payload["body"], via: "queue") }),
            AssetWatcher(
                name: names.drop, trigger: FileArrivalTrigger(directory: sources.folder, suffixes: [".json"]),
                extract: { event in
                    let path = event.payload["path"]?.stringValue ?? ""
                    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                    return try order(try? JSONValue.parse(text), via: "file")
                }),
            AssetWatcher(
                name: names.log, trigger: LogTopicTrigger(log: sources.log, topic: sources.topic, group: names.log),
                extract: { try order($0.payload["event"]?["data"], via: "log") }),
        ])
    }

    /// The order every watcher extracts: `order_id` and `amount`, and the channel it came through.
    static func order(_ value: JSONValue?, via channel: String) throws -> [String: JSONValue] {
        guard let id = value?["order_id"]?.stringValue, let amount = value?["amount"]?.doubleValue else {
            throw OrderError.notAnOrder(channel: channel, received: value?.jsonText ?? "nothing")
        }
        return ["order_id": .string(id), "amount": .number(amount), "channel": .string(channel)]
    }

    struct OrderError: Error, CustomStringConvertible {
        let channel: String, received: String
        static func notAnOrder(channel: String, received: String) -> OrderError {
            OrderError(channel: channel, received: received)
        }
        var description: String {
            "the \(channel) delivered \(received), not an order with order_id and amount: dead-lettered"
        }
    }
    // [END watchers]

    // [START priority]
    /// Queue first (it carries the full order, fastest), then the file drop, then the log topic. A copy waits
    /// `window` for better-ranked copies of the same order; the order id is the business key.
    static func priority(of name: String, window: Duration) throws -> WatcherPriority {
        let names = watchers(of: name)
        return try WatcherPriority(
            order: [names.queue, names.drop, names.log], window: window,
            businessKey: { $0["order_id"]?.stringValue })
    }
    // [END priority]

    // [START consumer]
    /// One run per order event: it reads the order and which source's copy was recorded.
    static func consumer(_ dagId: String, on orders: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("process") { context in
                    let event = context.triggeringEvents(of: orders).first
                    return TaskOutput(
                        value: [
                            "order_id": event?.extra["order_id"] ?? .null, "channel": event?.extra["channel"] ?? .null,
                        ])
                }
            ])
    }
    // [END consumer]
}

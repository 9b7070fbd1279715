import Eventide

/// 117.2.2 — one queue carries several message types; the watcher keeps only what its asset is about. Filter
/// policies in SNS syntax decide, first on the message attributes, then on the JSON body: a message that fails
/// either is acknowledged (deleted) and counted as filtered, skipped and not an error. A message that passes but has
/// a type no handler knows is dead-lettered with the reason. Each recorded type runs its own handler task.
enum SQSFiltering {
    static let dagId = "handle_commerce_events"
    static let watcherName = "commerce_watcher"

    // [START policies]
    static let defaultAttributePolicy =
        #"{"type": [{"anything-but": {"prefix": "internal."}}], "region": [{"prefix": "eu-"}]}"#
    static let defaultBodyPolicy = #"{"amount": [{"numeric": [">", 0]}]}"#

    enum SkipReason: String, Codable, Sendable, Hashable {
        case attributePolicy = "attribute policy", bodyPolicy = "body policy"
        case bodyNotJSON = "body policy (body is not JSON)"
    }

    /// Why a message is skipped, or nil when both policies let it through: attributes first, then the body.
    static func skipReason(_ event: TriggerEvent, attributes: FilterPolicy, body: FilterPolicy) -> SkipReason? {
        let values = (event.payload["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        if !attributes.matches(attributes: values, body: nil) { return .attributePolicy }
        if !body.matches(attributes: values, body: event.payload["body"]) {
            return event.payload["body"]?.objectValue == nil ? .bodyNotJSON : .bodyPolicy
        }
        return nil
    }
    // [END policies]

    // [START watcher]
    /// The types the DAG has a handler task for: `handle_<type with _ for .>`.
    static let handledTypes = ["order.placed", "order.cancelled", "payment.captured"]

    /// What the watcher decided for one message, told to `decided` at the moment it decides.
    enum Decision: Codable, Sendable, Hashable {
        case kept(type: String), skipped(SkipReason), refused(HandlerError)
    }

    static func commerceAsset(
        queue: String, trigger: any Trigger, attributes: FilterPolicy, body: FilterPolicy,
        decided: @escaping @Sendable (TriggerEvent, Decision) -> Void
    ) throws -> Asset {
        let watcher = AssetWatcher(
            name: watcherName, trigger: trigger,
            filter: { event in
                guard let reason = skipReason(event, attributes: attributes, body: body) else { return true }
                decided(event, .skipped(reason))
                return false
            },
            extract: { event in
                let type = event.payload["attributes"]?["type"]?.stringValue ?? ""
                // Thrown: the watcher dead-letters the message with the reason.
                guard handledTypes.contains(type) else {
                    decided(event, .refused(.noHandler(type: type)))
                    throw HandlerError.noHandler(type: type)
                }
                decided(event, .kept(type: type))
                return ["type": .string(type), "body": event.payload["body"] ?? .null]
            })
        return try Asset(uri: "sqs://\(queue)", name: "commerce_events", watchers: [watcher])
    }
    // [END watcher]

    // [START dag]
    static func handlerTask(_ type: String) -> String { "handle_" + type.replacingOccurrences(of: ".", with: "_") }

    /// One run per event; each handler task skips unless the event is of its type.
    static func handleCommerceEvents(_ events: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([events]), assetTriggering: .perEvent,
            tasks: handledTypes.map { type in
                TaskDefinition(handlerTask(type)) { context in
                    let mine = context.triggeringEvents(of: events).filter { $0.extra["type"]?.stringValue == type }
                    guard !mine.isEmpty else { throw TaskSkipped("no \(type) event in this run") }
                    return TaskOutput(value: .array(mine.map { $0.extra["body"] ?? .null }))
                }
            })
    }
    // [END dag]

    /// Why a message that passed the filters cannot be handled.
    enum HandlerError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
        case noHandler(type: String)

        var description: String {
            switch self {
            case .noHandler(let type):
                "no handler for message type '\(type)'; known: \(handledTypes.joined(separator: ", "))"
            }
        }
    }
}

/// Another trigger's events, each changed by `transform`: e.g. to observe or wrap its acknowledgement.
public struct MappedTrigger: Trigger {
    public let source: any Trigger
    public let transform: @Sendable (TriggerEvent) -> TriggerEvent

    public init(_ source: any Trigger, transform: @escaping @Sendable (TriggerEvent) -> TriggerEvent) {
        self.source = source
        self.transform = transform
    }

    public var description: String { source.description }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (events, transform) = (UnfoldingIterator(try source.events().makeAsyncIterator()), transform)
        return AsyncThrowingStream { try await events.next().map(transform) }
    }
}

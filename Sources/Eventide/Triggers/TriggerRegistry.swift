/// Chooses a trigger by its URI's scheme, like Airflow's `MessageQueueTrigger`: each source module provides
/// a factory for its scheme (`sqs`, `kafka`, `amqp`, `postgres`), and the core provides `eventide` for the
/// embedded SQLite log, so an item runs offline by default and against a real server by changing one URI.
///
/// ```swift
/// let registry = TriggerRegistry.embedded(log: log).registering(SQSTrigger.factory(credentials: creds))
/// let trigger = try registry.trigger(for: "sqs://127.0.0.1:5000/orders")
/// ```
public struct TriggerRegistry: Sendable {
    /// Makes the trigger for one URI of its scheme; throws `TriggerError.invalidURI` for what it cannot use.
    public struct Factory: Sendable {
        public let scheme: String
        public let make: @Sendable (TriggerURI) throws -> any Trigger

        public init(scheme: String, make: @escaping @Sendable (TriggerURI) throws -> any Trigger) {
            self.scheme = scheme.lowercased()
            self.make = make
        }
    }

    private var factories: [String: Factory] = [:]

    public init(_ factories: [Factory] = []) {
        for factory in factories { self.factories[factory.scheme] = factory }
    }

    /// The schemes this registry handles, sorted.
    public var schemes: [String] { factories.keys.sorted() }

    /// Adds (or replaces) the factory for its scheme.
    public mutating func register(_ factory: Factory) { factories[factory.scheme] = factory }

    public func registering(_ factory: Factory) -> TriggerRegistry {
        var copy = self
        copy.register(factory)
        return copy
    }

    /// The trigger for `uri`, made by the factory of its scheme.
    public func trigger(for uri: String) throws -> any Trigger {
        try trigger(for: TriggerURI(uri))
    }

    public func trigger(for uri: TriggerURI) throws -> any Trigger {
        guard let factory = factories[uri.scheme] else {
            throw TriggerError.unknownScheme(uri.scheme, uri: uri.text, known: schemes)
        }
        return try factory.make(uri)
    }
}

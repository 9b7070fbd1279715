import Eventide
import Logging
import Synchronization
import Testing

/// `LazyMetadataLogHandler`: metadata set on the logger is only stored, and reaches the wrapped handler with each
/// message logged, under the message's own metadata.
@Suite(
    "Lazy metadata log handler: metadata is handed on when a message is logged, not when it is set",
    .timeLimit(.minutes(1)))
struct LazyMetadataLogHandlerTests {
    /// A handler that records what it is given: the messages logged with their metadata, and how often its
    /// metadata was set.
    struct Recording: LogHandler {
        final class Log: Sendable {
            let events = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
            let metadataWrites = Mutex(0)
        }

        let log: Log
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:] {
            didSet { log.metadataWrites.withLock { $0 += 1 } }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.events.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
        }
    }

    func logger(_ log: Recording.Log, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test") { _ in Recording(log: log) }
        logger.handler = LazyMetadataLogHandler(wrapping: logger.handler)
        logger.logLevel = level
        return logger
    }

    @Test("setting metadata does not touch the wrapped handler; logging hands it on, the message's keys winning")
    func metadataHandedOnWhenLogged() {
        let log = Recording.Log()
        var logger = logger(log)
        let writesBefore = log.metadataWrites.withLock { $0 }
        for id in 0..<100 { logger[metadataKey: "request.id"] = "\(id)" }  // as a server does per request
        logger[metadataKey: "route"] = "/bare"
        #expect(log.metadataWrites.withLock { $0 } == writesBefore, "nothing was formatted or handed on yet")

        logger.info("answered", metadata: ["route": "/api", "status": "200"])
        let events = log.events.withLock { $0 }
        #expect(events.count == 1)
        #expect(events.first?.message == "answered")
        #expect(events.first?.metadata == ["request.id": "99", "route": "/api", "status": "200"])
    }

    @Test("the level is the wrapped handler's: a message below it reaches nothing")
    func levelIsTheWrappedHandlers() throws {
        let log = Recording.Log()
        var logger = logger(log, level: .warning)
        logger[metadataKey: "request.id"] = "1"
        logger.info("not logged")
        logger.warning("logged")
        let wrapper = try #require(logger.handler as? LazyMetadataLogHandler)
        #expect(wrapper.wrapped.logLevel == .warning)
        #expect(log.events.withLock { $0.map(\.message) } == ["logged"])
        #expect(log.events.withLock { $0.first?.metadata } == ["request.id": "1"])
    }

    @Test("metadata the wrapped handler had before wrapping is kept")
    func existingMetadataKept() {
        let log = Recording.Log()
        var inner = Recording(log: log)
        inner.metadata = ["service": "eventide"]
        var logger = Logger(label: "test") { _ in LazyMetadataLogHandler(wrapping: inner) }
        logger.logLevel = .info
        logger.info("started")
        #expect(log.events.withLock { $0.first?.metadata } == ["service": "eventide"])
    }
}

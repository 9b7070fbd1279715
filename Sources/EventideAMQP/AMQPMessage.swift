import Foundation

/// A message to publish, or the content of one delivered: the body and the basic properties
/// (AMQP 0-9-1 `basic.properties`). `nil` properties are not sent.
public struct AMQPMessage: Sendable, Hashable {
    public var body: [UInt8]
    public var contentType: String?
    public var contentEncoding: String?
    /// Application headers, and the broker's own (`x-death` on a dead-lettered message).
    public var headers: [String: AMQPFieldValue]
    /// `true`: delivery mode 2, the broker writes the message to disk in a durable queue.
    public var persistent: Bool?
    public var priority: UInt8?
    public var correlationId: String?
    public var replyTo: String?
    /// Per-message time to live in milliseconds, as a string (AMQP's `expiration`): the broker drops or
    /// dead-letters the message once it has waited that long in a queue.
    public var expiration: String?
    /// The producer's id for the message; the trigger uses it to deduplicate redeliveries.
    public var messageId: String?
    /// Whole seconds (AMQP timestamps have no fraction).
    public var timestamp: Date?
    public var type: String?
    public var userId: String?
    public var appId: String?

    public init(
        body: [UInt8], contentType: String? = nil, contentEncoding: String? = nil,
        headers: [String: AMQPFieldValue] = [:], persistent: Bool? = nil, priority: UInt8? = nil,
        correlationId: String? = nil, replyTo: String? = nil, expiration: String? = nil,
        messageId: String? = nil, timestamp: Date? = nil, type: String? = nil, userId: String? = nil,
        appId: String? = nil
    ) {
        self.body = body
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.persistent = persistent
        self.priority = priority
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageId = messageId
        self.timestamp = timestamp
        self.type = type
        self.userId = userId
        self.appId = appId
    }

    /// A message whose body is `text` in UTF-8.
    public init(
        _ text: String, contentType: String? = nil, headers: [String: AMQPFieldValue] = [:],
        messageId: String? = nil, expiration: String? = nil
    ) {
        self.init(
            body: Array(text.utf8), contentType: contentType, headers: headers, expiration: expiration,
            messageId: messageId)
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

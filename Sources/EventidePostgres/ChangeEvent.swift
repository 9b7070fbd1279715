import Eventide
import Foundation

/// One change decoded from a logical slot: a row inserted, updated or deleted, a table truncated, or a
/// message emitted with `pg_logical_emit_message` (the outbox).
public struct ChangeEvent: Sendable, Hashable, Codable {
    public enum Operation: String, Sendable, Hashable, Codable {
        case insert, update, delete, truncate, message
    }

    /// `lsn/xid/index`: stable across re-deliveries (the same WAL decodes to the same changes), so it is the
    /// message id and, with the slot's name, the log's idempotency key.
    public var id: String { "\(lsn)/\(xid ?? 0)/\(index)" }
    public var operation: Operation
    /// `nil` for messages.
    public var schema: String?
    public var table: String?
    /// The primary key's columns and values (from the new row; from the old row for deletes). Empty for a table
    /// without a primary key, for truncates and for messages.
    public var key: [String: JSONValue]
    /// The old row for updates and deletes: every column with `REPLICA IDENTITY FULL`, only the key columns with
    /// the default identity.
    public var before: [String: JSONValue]?
    /// The new row for inserts and updates.
    public var after: [String: JSONValue]?
    /// Each column's Postgres type name, e.g. `integer`, `numeric(10,2)`, `text`.
    public var columnTypes: [String: String]
    /// The transaction id; `nil` for a non-transactional message.
    public var xid: Int?
    /// Where the change's record starts in the WAL.
    public var lsn: LSN
    /// Where the slot may be advanced once this change and the rest of its transaction are stored: the end of
    /// the transaction's commit record (for a non-transactional message, just past the message).
    public var commitLSN: LSN
    /// Its position within its transaction, from 0.
    public var index: Int
    /// When its transaction committed (the commit timestamp; for a non-transactional message, `nil`). Postgres
    /// gives microseconds; the JSON form (`EventTime`) keeps milliseconds.
    public var committedAt: Date?
    /// The outbox message, for `.message`.
    public var message: OutboxMessage?

    public init(
        operation: Operation, schema: String? = nil, table: String? = nil, key: [String: JSONValue] = [:],
        before: [String: JSONValue]? = nil, after: [String: JSONValue]? = nil,
        columnTypes: [String: String] = [:], xid: Int?, lsn: LSN, commitLSN: LSN, index: Int,
        committedAt: Date? = nil, message: OutboxMessage? = nil
    ) {
        self.operation = operation
        self.schema = schema
        self.table = table
        self.key = key
        self.before = before
        self.after = after
        self.columnTypes = columnTypes
        self.xid = xid
        self.lsn = lsn
        self.commitLSN = commitLSN
        self.index = index
        self.committedAt = committedAt
        self.message = message
    }

    /// `schema.table`, or `nil` for messages.
    public var qualifiedTable: String? {
        guard let schema, let table else { return nil }
        return "\(schema).\(table)"
    }

    /// Reads a change back from its JSON (a trigger payload, a log event's `data`).
    public init(json: JSONValue) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = EventTime.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "'\(text)' is not an RFC 3339 time"))
            }
            return date
        }
        self = try decoder.decode(ChangeEvent.self, from: Data(json.jsonText.utf8))
    }

    /// The change as JSON (what trigger payloads and log events carry), keys sorted.
    public var json: JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(EventTime.format(date))
        }
        // Every field is a string, number, bool, date or JSONValue: encoding cannot fail.
        guard let data = try? encoder.encode(self),
            let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return .null }
        return value
    }
}

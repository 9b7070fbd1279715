import Eventide
import Foundation

/// Decodes the rows a wal2json slot returns (format-version 2, with `include-xids`, `include-lsn`,
/// `include-pk` and `include-timestamp`) into `ChangeEvent`s, a transaction at a time.
///
/// Only complete transactions are decoded: rows after the last commit of a batch are left for the next read,
/// so every change knows its transaction's `commitLSN`, and a batch is always safe to acknowledge as a whole.
public struct Wal2JSONDecoder: Sendable {
    /// One row of `pg_logical_slot_peek_changes`: the `lsn` column and the `data` column.
    public struct Row: Sendable, Hashable {
        public var lsn: LSN
        public var data: String

        public init(lsn: LSN, data: String) {
            self.lsn = lsn
            self.data = data
        }
    }

    /// What a batch of rows decoded to.
    public struct Batch: Sendable, Hashable {
        /// The changes of the complete transactions (and non-transactional messages), in commit order.
        public var changes: [ChangeEvent] = []
        /// One position per complete unit (a transaction, even one whose changes were all filtered out, or a
        /// non-transactional message), in order: where the slot may be advanced once the unit is stored.
        public var safePoints: [LSN] = []
        /// Rows of a transaction whose commit was not in the batch; they come again in the next read.
        public var incompleteRows = 0

        /// Where to advance the slot once every change of the batch is stored; `nil` when there is nothing.
        public var resumeLSN: LSN? { safePoints.last }
    }

    /// The wal2json options the decoder expects; `tables` (`schema.table`) limits row changes to those tables and
    /// `messagePrefixes` messages to those prefixes (each: all when empty).
    public static func pluginOptions(tables: [String] = [], messagePrefixes: [String] = []) -> [String] {
        var options = ["format-version", "2", "include-xids", "1", "include-lsn", "1", "include-pk", "1",
                       "include-timestamp", "1", "include-transaction", "1"]
        if !tables.isEmpty { options += ["add-tables", tables.joined(separator: ",")] }
        if !messagePrefixes.isEmpty { options += ["add-msg-prefixes", messagePrefixes.joined(separator: ",")] }
        return options
    }

    public init() {}

    public func decode(_ rows: [Row]) throws(CDCError) -> Batch {
        var batch = Batch()
        var current: (xid: Int?, committedAt: Date?, changes: [ChangeEvent], rows: Int)?
        for row in rows {
            let object = try Self.object(row.data)
            guard let action = object["action"]?.stringValue else {
                throw CDCError.malformedChange(data: row.data, reason: "no \"action\"")
            }
            switch action {
            case "B":
                guard current == nil else { throw CDCError.malformedChange(data: row.data, reason: "a transaction began inside another") }
                current = (object["xid"]?.intValue, Self.timestamp(object["timestamp"]), [], 1)
            case "C":
                guard let transaction = current else {
                    throw CDCError.malformedChange(data: row.data, reason: "a commit without its begin")
                }
                let commitLSN = try object["nextlsn"]?.stringValue.map { text throws(CDCError) in try LSN(text) } ?? row.lsn
                batch.changes += transaction.changes.map { change in
                    var change = change
                    change.commitLSN = commitLSN
                    return change
                }
                batch.safePoints.append(commitLSN)
                current = nil
            case "I", "U", "D", "T":
                guard var transaction = current else {
                    throw CDCError.malformedChange(data: row.data, reason: "a row change outside a transaction")
                }
                transaction.changes.append(try Self.change(action, object, row: row, xid: transaction.xid,
                                                           index: transaction.changes.count,
                                                           committedAt: transaction.committedAt))
                transaction.rows += 1
                current = transaction
            case "M":
                let message = try Self.message(object, row: row)
                let lsn = try Self.lsn(object, row: row)
                if message.transactional {
                    guard var transaction = current else {
                        throw CDCError.malformedChange(data: row.data, reason: "a transactional message outside a transaction")
                    }
                    transaction.changes.append(ChangeEvent(
                        operation: .message, xid: transaction.xid, lsn: lsn, commitLSN: lsn, index: transaction.changes.count,
                        committedAt: transaction.committedAt, message: message))
                    transaction.rows += 1
                    current = transaction
                } else {
                    batch.changes.append(ChangeEvent(operation: .message, xid: nil, lsn: lsn, commitLSN: lsn.next,
                                                     index: 0, message: message))
                    batch.safePoints.append(lsn.next)
                }
            default:
                throw CDCError.unknownAction(action, data: row.data)
            }
        }
        batch.incompleteRows = current?.rows ?? 0
        return batch
    }

    // MARK: Parts

    private static func object(_ data: String) throws(CDCError) -> [String: JSONValue] {
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            throw CDCError.malformedChange(data: data, reason: "not JSON")
        }
        guard let object = value.objectValue else { throw CDCError.malformedChange(data: data, reason: "not a JSON object") }
        return object
    }

    private static func lsn(_ object: [String: JSONValue], row: Row) throws(CDCError) -> LSN {
        guard let text = object["lsn"]?.stringValue else {
            throw CDCError.malformedChange(data: row.data, reason: "no \"lsn\" (the slot must be read with include-lsn)")
        }
        return try LSN(text)
    }

    private static func change(_ action: String, _ object: [String: JSONValue], row: Row, xid: Int?, index: Int,
                               committedAt: Date?) throws(CDCError) -> ChangeEvent {
        guard let schema = object["schema"]?.stringValue, let table = object["table"]?.stringValue else {
            throw CDCError.malformedChange(data: row.data, reason: "no \"schema\" or \"table\"")
        }
        var types: [String: String] = [:]
        let after = try object["columns"].map { value throws(CDCError) in try columns(value, row: row, types: &types) }
        let before = try object["identity"].map { value throws(CDCError) in try columns(value, row: row, types: &types) }
        let keyNames = (object["pk"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let keySource = (action == "D" ? before : after) ?? [:]
        var key: [String: JSONValue] = [:]
        for name in keyNames { key[name] = keySource[name] ?? .null }
        let operation: ChangeEvent.Operation
        switch action {
        case "I":
            guard after != nil else { throw CDCError.malformedChange(data: row.data, reason: "an insert without \"columns\"") }
            operation = .insert
        case "U":
            guard after != nil else { throw CDCError.malformedChange(data: row.data, reason: "an update without \"columns\"") }
            operation = .update
        case "D":
            guard before != nil else {
                throw CDCError.malformedChange(data: row.data, reason: "a delete without \"identity\" (give the table a primary key or REPLICA IDENTITY FULL)")
            }
            operation = .delete
        default:
            operation = .truncate
        }
        return ChangeEvent(operation: operation, schema: schema, table: table, key: key,
                           before: operation == .insert ? nil : before, after: after, columnTypes: types,
                           xid: xid, lsn: try lsn(object, row: row), commitLSN: row.lsn, index: index,
                           committedAt: committedAt)
    }

    private static func columns(_ value: JSONValue, row: Row,
                                types: inout [String: String]) throws(CDCError) -> [String: JSONValue] {
        guard let array = value.arrayValue else { throw CDCError.malformedChange(data: row.data, reason: "columns are not an array") }
        var columns: [String: JSONValue] = [:]
        for column in array {
            guard let name = column["name"]?.stringValue else {
                throw CDCError.malformedChange(data: row.data, reason: "a column without a name")
            }
            columns[name] = column["value"] ?? .null
            if let type = column["type"]?.stringValue { types[name] = type }
        }
        return columns
    }

    private static func message(_ object: [String: JSONValue], row: Row) throws(CDCError) -> OutboxMessage {
        guard let prefix = object["prefix"]?.stringValue, let content = object["content"]?.stringValue,
              let transactional = object["transactional"]?.boolValue else {
            throw CDCError.malformedChange(data: row.data, reason: "a message without \"prefix\", \"content\" or \"transactional\"")
        }
        return OutboxMessage(prefix: prefix, content: content, transactional: transactional)
    }

    /// `2026-11-23 09:35:34.602956+00` (Postgres's timestamptz text; the offset may be `+05:30`).
    static func timestamp(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue, text.count >= 19 else { return nil }
        let base = text.prefix(19)  // yyyy-MM-dd HH:mm:ss
        var rest = text.dropFirst(19)
        var fraction = 0.0
        if rest.first == "." {
            let digits = rest.dropFirst().prefix { $0.isNumber }
            fraction = Double("0." + digits) ?? 0
            rest = rest.dropFirst(1 + digits.count)
        }
        var offset = 0
        if let sign = rest.first, sign == "+" || sign == "-" {
            let parts = rest.dropFirst().split(separator: ":").compactMap { Int($0) }
            offset = ((parts.first ?? 0) * 3600 + (parts.dropFirst().first ?? 0) * 60) * (sign == "-" ? -1 : 1)
        }
        let fields = base.split(whereSeparator: { "- :".contains($0) }).compactMap { Int($0) }
        guard fields.count == 6 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: fields[0], month: fields[1], day: fields[2],
                                        hour: fields[3], minute: fields[4], second: fields[5])
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}

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
        var options = [
            "format-version", "2", "include-xids", "1", "include-lsn", "1", "include-pk", "1",
            "include-timestamp", "1", "include-transaction", "1",
        ]
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
                guard current == nil else {
                    throw CDCError.malformedChange(data: row.data, reason: "a transaction began inside another")
                }
                current = (object["xid"]?.intValue, try Self.timestamp(object["timestamp"], row: row), [], 1)
            case "C":
                guard let transaction = current else {
                    throw CDCError.malformedChange(data: row.data, reason: "a commit without its begin")
                }
                let commitLSN =
                    try object["nextlsn"]?.stringValue.map { text throws(CDCError) in try LSN(text) } ?? row.lsn
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
                transaction.changes.append(
                    try Self.change(
                        action, object, row: row, xid: transaction.xid,
                        index: transaction.changes.count,
                        committedAt: transaction.committedAt))
                transaction.rows += 1
                current = transaction
            case "M":
                let message = try Self.message(object, row: row)
                let lsn = try Self.lsn(object, row: row)
                if message.transactional {
                    guard var transaction = current else {
                        throw CDCError.malformedChange(
                            data: row.data, reason: "a transactional message outside a transaction")
                    }
                    transaction.changes.append(
                        ChangeEvent(
                            operation: .message, xid: transaction.xid, lsn: lsn, commitLSN: lsn,
                            index: transaction.changes.count,
                            committedAt: transaction.committedAt, message: message))
                    transaction.rows += 1
                    current = transaction
                } else {
                    let next = try lsn.next
                    batch.changes.append(
                        ChangeEvent(
                            operation: .message, xid: nil, lsn: lsn, commitLSN: next,
                            index: 0, message: message))
                    batch.safePoints.append(next)
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
        guard let object = value.objectValue else {
            throw CDCError.malformedChange(data: data, reason: "not a JSON object")
        }
        return object
    }

    private static func lsn(_ object: [String: JSONValue], row: Row) throws(CDCError) -> LSN {
        guard let text = object["lsn"]?.stringValue else {
            throw CDCError.malformedChange(
                data: row.data, reason: "no \"lsn\" (the slot must be read with include-lsn)")
        }
        return try LSN(text)
    }

    private static func change(
        _ action: String, _ object: [String: JSONValue], row: Row, xid: Int?, index: Int,
        committedAt: Date?
    ) throws(CDCError) -> ChangeEvent {
        guard let schema = object["schema"]?.stringValue, let table = object["table"]?.stringValue else {
            throw CDCError.malformedChange(data: row.data, reason: "no \"schema\" or \"table\"")
        }
        var types: [String: String] = [:]
        let after = try object["columns"].map { value throws(CDCError) in try columns(value, row: row, types: &types) }
        let before = try object["identity"].map { value throws(CDCError) in try columns(value, row: row, types: &types)
        }
        let keyNames = (object["pk"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let keySource = (action == "D" ? before : after) ?? [:]
        var key: [String: JSONValue] = [:]
        for name in keyNames { key[name] = keySource[name] ?? .null }
        let operation: ChangeEvent.Operation
        switch action {
        case "I":
            guard after != nil else {
                throw CDCError.malformedChange(data: row.data, reason: "an insert without \"columns\"")
            }
            operation = .insert
        case "U":
            guard after != nil else {
                throw CDCError.malformedChange(data: row.data, reason: "an update without \"columns\"")
            }
            operation = .update
        case "D":
            guard before != nil else {
                throw CDCError.malformedChange(
                    data: row.data,
                    reason: "a delete without \"identity\" (give the table a primary key or REPLICA IDENTITY FULL)")
            }
            operation = .delete
        default:
            operation = .truncate
        }
        return ChangeEvent(
            operation: operation, schema: schema, table: table, key: key,
            before: operation == .insert ? nil : before, after: after, columnTypes: types,
            xid: xid, lsn: try lsn(object, row: row), commitLSN: row.lsn, index: index,
            committedAt: committedAt)
    }

    private static func columns(
        _ value: JSONValue, row: Row,
        types: inout [String: String]
    ) throws(CDCError) -> [String: JSONValue] {
        guard let array = value.arrayValue else {
            throw CDCError.malformedChange(data: row.data, reason: "columns are not an array")
        }
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
            let transactional = object["transactional"]?.boolValue
        else {
            throw CDCError.malformedChange(
                data: row.data, reason: "a message without \"prefix\", \"content\" or \"transactional\"")
        }
        return OutboxMessage(prefix: prefix, content: content, transactional: transactional)
    }

    /// `2026-11-23 09:35:34.602956+00` (Postgres's timestamptz text; the offset may be `+05:30` or `+05:30:15`).
    /// `nil` when the row has no timestamp; throws `CDCError.malformedChange` when it has one that is not a
    /// timestamptz (an offset beyond ±15:59:59, a field out of range), never trapping on its numbers.
    static func timestamp(_ value: JSONValue?, row: Row) throws(CDCError) -> Date? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let date = timestamp(text) else {
            throw CDCError.malformedChange(
                data: row.data, reason: "the timestamp \(value) is not a Postgres timestamptz")
        }
        return date
    }

    /// The date a timestamptz text names, or `nil` when it is not one.
    package static func timestamp(_ text: String) -> Date? {
        let characters = Array(text.utf8)
        guard characters.count >= 19, characters.count <= 64 else { return nil }
        /// The decimal number of `count` ASCII digits at `start`, or nil.
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= characters.count else { return nil }
            var result = 0
            for byte in characters[start..<(start + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                result = result * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return result
        }
        // yyyy-MM-dd HH:mm:ss
        guard let year = number(0, 4), characters[4] == UInt8(ascii: "-"), let month = number(5, 2),
            characters[7] == UInt8(ascii: "-"), let day = number(8, 2), characters[10] == UInt8(ascii: " "),
            let hour = number(11, 2), characters[13] == UInt8(ascii: ":"), let minute = number(14, 2),
            characters[16] == UInt8(ascii: ":"), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < characters.count, characters[index] == UInt8(ascii: ".") {
            let digits = characters[(index + 1)...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            guard !digits.isEmpty, digits.count <= 9, let value = number(index + 1, digits.count) else { return nil }
            fraction = Double(value) / pow(10, Double(digits.count))
            index += 1 + digits.count
        }
        var offset = 0
        if index < characters.count {
            let sign = characters[index]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            // ±hh, ±hh:mm or ±hh:mm:ss; Postgres offsets stay within ±15:59:59.
            var parts: [Int] = []
            var position = index + 1
            while position < characters.count {
                guard parts.count < 3, let part = number(position, 2) else { return nil }
                parts.append(part)
                position += 2
                if position < characters.count {
                    guard characters[position] == UInt8(ascii: ":") else { return nil }
                    position += 1
                }
            }
            guard let hours = parts.first, hours <= 15, parts.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
            let minutes = parts.dropFirst().first ?? 0, seconds = parts.dropFirst(2).first ?? 0
            offset = (hours * 3600 + minutes * 60 + seconds) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}

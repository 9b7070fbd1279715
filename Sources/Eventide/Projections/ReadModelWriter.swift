import Foundation
import GRDB

/// Writes one view inside the transaction that applies a batch of events and moves the projection's checkpoint.
public struct ReadModelWriter {
    /// Reads of the view as this transaction has changed it so far.
    public let reader: ReadModelReader

    init(view: String, db: Database) { reader = ReadModelReader(view: view, db: db) }

    public var view: String { reader.view }

    public func document(_ key: String) throws -> JSONValue? { try reader.document(key) }

    public func document<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
        try reader.document(key, as: type)
    }

    /// Stores `document` at `key`, replacing what was there.
    public func put(_ document: JSONValue, at key: String) throws {
        try reader.db.run(
            """
            INSERT INTO projection_document(view, key, document) VALUES (?, ?, ?)
            ON CONFLICT(view, key) DO UPDATE SET document = excluded.document
            """, arguments: [view, key, document.jsonText])
    }

    /// Stores `value` encoded as JSON at `key`.
    public func put(_ value: some Encodable, at key: String) throws {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        } catch {
            throw ProjectionError.undecodableDocument(view: view, key: key, reason: "\(error)")
        }
        try put(document, at: key)
    }

    public func remove(_ key: String) throws {
        try reader.db.run("DELETE FROM projection_document WHERE view = ? AND key = ?", arguments: [view, key])
    }
}

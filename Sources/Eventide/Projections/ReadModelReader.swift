import Foundation
import GRDB

/// Reads one view inside one read transaction: every document and the checkpoint come from the same committed
/// state, so a query never sees part of a batch.
public struct ReadModelReader {
    public let view: String
    let db: Database

    init(view: String, db: Database) {
        self.view = view
        self.db = db
    }

    /// Another view, read in the same transaction (a query that joins two views sees one committed state).
    public func view(_ name: String) -> ReadModelReader { ReadModelReader(view: name, db: db) }

    /// The position of the last event the view includes (0: none).
    public func checkpoint() throws -> Int64 {
        try ProjectionRunner.checkpoint(of: view, db)
    }

    public func document(_ key: String) throws -> JSONValue? {
        guard
            let text = try db.value(
                String.self, "SELECT document FROM projection_document WHERE view = ? AND key = ?",
                arguments: [view, key])
        else { return nil }
        return try parse(text, key: key)
    }

    /// The document at `key` decoded as `T`.
    public func document<T: Decodable>(_ key: String, as _: T.Type) throws -> T? {
        guard let value = try document(key) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(value))
        } catch {
            throw ProjectionError.undecodableDocument(view: view, key: key, reason: "\(error)")
        }
    }

    /// Every document of the view, by key.
    public func documents() throws -> [String: JSONValue] {
        var documents: [String: JSONValue] = [:]
        for row in try db.rows("SELECT key, document FROM projection_document WHERE view = ?", arguments: [view]) {
            let key: String = row["key"]
            documents[key] = try parse(row["document"], key: key)
        }
        return documents
    }

    /// Every document of the view decoded as `T`, by key.
    public func documents<T: Decodable>(as _: T.Type) throws -> [String: T] {
        try documents().reduce(into: [:]) { result, pair in
            do {
                result[pair.key] = try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(pair.value))
            } catch {
                throw ProjectionError.undecodableDocument(view: view, key: pair.key, reason: "\(error)")
            }
        }
    }

    private func parse(_ text: String, key: String) throws(ProjectionError) -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw ProjectionError.undecodableDocument(view: view, key: key, reason: "\(error)")
        }
    }
}

import Eventide
import Foundation

/// Between the item's Codable types and the JSON of DAG run confs and task return values.
extension CQRSIntegration {
    static func json(_ value: some Encodable) throws -> JSONValue {
        do {
            return try JSONValue.parse(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
        } catch {
            throw OrderError.malformedInput(reason: "\(error)")
        }
    }

    static func decode<T: Decodable>(_: T.Type, _ value: JSONValue) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.jsonText.utf8))
        } catch {
            throw OrderError.malformedInput(reason: "\(error)")
        }
    }
}

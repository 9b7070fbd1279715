import Eventide
import Foundation

/// A task's return value (Airflow's XCom) written and read as a `Codable` type instead of by key: the tasks of
/// this item return typed reports, and the scenario reads them back with the same type.
extension JSONValue {
    init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    func decoded<Value: Decodable>(as type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: JSONEncoder().encode(self))
    }
}

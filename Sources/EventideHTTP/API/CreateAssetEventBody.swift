import Eventide
import Hummingbird

/// The body of `POST /api/v2/assets/events`: Airflow's `CreateAssetEventsBody` (`asset_id`, `extra`), and,
/// as Airflow users asked (apache/airflow#53615), the asset addressed by `uri` or `name` instead of its id.
/// Exactly one of the three, else 422; `extra` is an object (default `{}`), not `null`.
struct CreateAssetEventBody: Sendable, Equatable {
    enum Address: Sendable, Equatable, CustomStringConvertible {
        case id(Int64)
        case uri(String)
        case name(String)

        public var description: String {
            switch self {
            case .id(let id): "ID: `\(id)`"
            case .uri(let uri): "uri: `\(uri)`"
            case .name(let name): "name: `\(name)`"
            }
        }
    }

    let address: Address
    let extra: [String: JSONValue]

    init(_ object: [String: JSONValue]) throws(HTTPProblem) {
        var fields = BodyFields(object, allowed: ["asset_id", "uri", "name", "extra"])
        let id = fields.integer("asset_id")
        let uri = fields.string("uri")
        let name = fields.string("name")
        extra = fields.dictionary("extra", nullable: false) ?? [:]
        let given = [id.map(Address.id), uri.map(Address.uri), name.map(Address.name)].compactMap { $0 }
        if fields.isValid, given.count != 1 {
            fields.errors.add(
                ["body"], "Value error, give exactly one of asset_id, uri and name to address the asset",
                type: "value_error")
        }
        try fields.validate()
        guard let address = given.first else { throw fields.errors.problem }
        self.address = address
    }
}

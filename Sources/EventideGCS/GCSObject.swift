import Foundation

/// An object's metadata as the JSON API returns it (`storage#object`; sizes and generations are strings there).
public struct GCSObject: Sendable, Hashable, Decodable {
    public var bucket: String
    public var name: String
    public var size: Int
    public var etag: String
    /// Changes with every new version of the object's content.
    public var generation: String
    public var updated: Date?

    enum CodingKeys: String, CodingKey { case bucket, name, size, etag, generation, updated }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bucket = try container.decode(String.self, forKey: .bucket)
        name = try container.decode(String.self, forKey: .name)
        size = Int(try container.decodeIfPresent(String.self, forKey: .size) ?? "0") ?? 0
        etag = try container.decodeIfPresent(String.self, forKey: .etag) ?? ""
        generation = try container.decodeIfPresent(String.self, forKey: .generation) ?? ""
        updated = try container.decodeIfPresent(String.self, forKey: .updated).flatMap(Self.date)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

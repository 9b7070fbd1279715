/// A log sequence number: a byte position in Postgres's write-ahead log, written `X/Y` (two hex halves).
public struct LSN: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public init(_ text: String) throws(CDCError) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let high = UInt32(halves[0], radix: 16), let low = UInt32(halves[1], radix: 16) else {
            throw CDCError.invalidLSN(text)
        }
        value = UInt64(high) << 32 | UInt64(low)
    }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// The position just after this one: advancing a slot there skips a record that starts here. Throws
    /// `CDCError.lsnOverflow` at `FFFFFFFF/FFFFFFFF`, the last position there is (a server cannot send a record
    /// there, so only a corrupt or hostile answer names it).
    public var next: LSN {
        get throws(CDCError) {
            guard value < .max else { throw CDCError.lsnOverflow(self) }
            return LSN(value + 1)
        }
    }

    public static func < (a: LSN, b: LSN) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension JSONValue {
    /// The compact JSON text with sorted keys (stable across runs, so it can be stored and compared).
    ///
    /// Byte for byte what Foundation's `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes
    /// (checked by differential tests and the `json-value` fuzz target): keys in UTF-8 byte order, a whole number
    /// without `.0` and any other number as its `description` (`1e+16`, `1e-07`), `"`, `\` and control characters
    /// escaped (`\b \t \n \f \r`, otherwise `\u00XX` in lowercase hex), everything else, `/` included, as it is.
    ///
    /// Deliberate difference: a non-finite number (`nan`, `±infinity`), which JSON cannot hold, is written as
    /// `null` in its place; Foundation throws for the whole document, which the old `jsonText` wrote as `null`.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `jsonText`'s UTF-8 bytes, for what sends bytes (an HTTP body): no `String` is made on the way.
    public var jsonUTF8: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }
}

/// Writes a `JSONValue` as compact UTF-8 JSON text with sorted keys: `JSONValue.jsonText`'s engine.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(64)
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let value): append(value ? "true" : "false")
        case .number(let value): write(value)
        case .string(let value): write(value)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            // The members' positions are sorted, not the members: no key or value is copied while sorting.
            var order = Array(members.indices)
            order.sort { Self.precedes(members[$0].key, members[$1].key) }
            for (position, index) in order.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                write(members[index].key)
                bytes.append(UInt8(ascii: ":"))
                write(members[index].value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Whether `a` sorts before `b` in `.sortedKeys` order: their UTF-8 bytes compared lexicographically.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let contiguous = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in a.lexicographicallyPrecedes(b) }
        }
        return (contiguous ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// A whole number below 2^53 as its digits; any other finite number as its `description` less a trailing
    /// `.0`, as Foundation writes it; a non-finite one as `null`.
    private mutating func write(_ number: Double) {
        guard number.isFinite else { return append("null") }
        if number.rounded(.towardZero) == number, number.magnitude < 9_007_199_254_740_992 {
            // -0.0 keeps its sign, as its description does; a 16-digit String is small, so no allocation.
            if number.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: String(UInt64(number.magnitude)).utf8)
            return
        }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A quoted string: runs of plain bytes copied at once, `"`, `\` and control characters escaped.
    private mutating func write(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { source in
            var runStart = 0
            for index in source.indices {
                let byte = source[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
                runStart = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}

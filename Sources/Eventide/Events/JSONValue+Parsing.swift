extension JSONValue {
    /// The deepest nesting of arrays and objects `parse` accepts: Foundation's `JSONDecoder` limit, so that a
    /// deep input (`[[[[…`) is a typed error rather than a stack overflow.
    public static let maximumNestingDepth = 512

    /// Parses a JSON text (RFC 8259). Throws `EventError.malformedJSON` whose reason says what was wrong and at
    /// which UTF-8 byte offset, e.g. `unexpected character '}' at offset 12`.
    ///
    /// Accepts what Foundation's `JSONDecoder` accepts and builds the same value (checked by differential tests
    /// and the `json-value` fuzz target), including its leniencies: any JSON value at the top level, a UTF-8 byte
    /// order mark before it, one trailing comma before `]` or `}`, and the first of duplicate keys winning.
    /// Numbers are parsed correctly rounded; one whose value overflows to infinity, or underflows to zero although
    /// it has a non-zero digit, is rejected, as Foundation rejects it. Nesting deeper than
    /// `maximumNestingDepth` is rejected.
    ///
    /// Deliberate differences, both stricter than Foundation:
    /// - A text whose first or second byte is NUL is rejected. Foundation then guesses that the bytes are UTF-16
    ///   or UTF-32 and may accept them (`"\u{0}1"` as the number 1); a `String` is UTF-8.
    /// - The value of a duplicate key is validated like any other, although the first value wins. Foundation
    ///   checks only its outline (brackets, quotes, literals) and accepts `{"a":1,"a":"\x"}` or `{"a":1,"a":01}`;
    ///   here the reason then ends with `(in the value of a duplicate key)`.
    /// - A zero with an exponent is accepted: Foundation (swift-foundation on Linux, Swift 6.3) rejects `0e1` to
    ///   `0e9` and `0.00e1` although it accepts `0e0`, `0e10` and `0.0e1`; all are valid JSON for 0.
    public static func parse(_ text: String) throws(EventError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { bytes -> Result<JSONValue, JSONParser.Failure> in
            var parser = JSONParser(bytes)
            return Result { () throws(JSONParser.Failure) in try parser.document() }
        }
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw EventError.malformedJSON(text: text, reason: failure.reason)
        }
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes: `JSONValue.parse`'s engine.
///
/// It reads the bytes of a `String`, which are valid UTF-8, so a string's content needs no validation beyond
/// its escapes and control characters.
struct JSONParser {
    /// Why the text is not JSON, with the byte offset where that was found.
    struct Failure: Error {
        let reason: String

        /// Ends the reason of a failure inside the value of a duplicate key, which Foundation would not have
        /// reported: it validates only the values it decodes, and drops a duplicate's.
        static let inDuplicateValue = " (in the value of a duplicate key)"
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The whole text: an optional byte order mark, then one value between optional whitespace.
    mutating func document() throws(Failure) -> JSONValue {
        if bytes.count >= 2, bytes[0] == 0 || bytes[1] == 0 {
            throw Failure(reason: "a NUL byte at offset \(bytes[0] == 0 ? 0 : 1): the text must be UTF-8 JSON")
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { offset = 3 }
        skipWhitespace()
        let value = try self.value()
        skipWhitespace()
        if offset < bytes.count { throw unexpected("after the JSON value") }
        return value
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard offset < bytes.count else { throw unexpected("where a value should start") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object(try object())
        case UInt8(ascii: "["): return .array(try array())
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected("where a value should start")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let start = offset
        for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard offset < bytes.count, bytes[offset] == expected else {
                throw unexpected("in '\(word)' starting at offset \(start)")
            }
            offset += 1
        }
        return value
    }

    // MARK: Containers

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > JSONValue.maximumNestingDepth {
            throw Failure(reason: "nesting deeper than \(JSONValue.maximumNestingDepth) at offset \(offset)")
        }
    }

    /// `[` value (`,` value)* `,`? `]`: the optional trailing comma is Foundation's leniency.
    private mutating func array() throws(Failure) -> [JSONValue] {
        var elements: [JSONValue] = []
        if try opens(closedBy: UInt8(ascii: "]")) { return elements }
        repeat {
            elements.append(try value())
        } while try !closes(UInt8(ascii: "]"), in: "an array")
        return elements
    }

    /// `{` key `:` value (`,` key `:` value)* `,`? `}`; the first of duplicate keys wins, as in Foundation.
    private mutating func object() throws(Failure) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        if try opens(closedBy: UInt8(ascii: "}")) { return members }
        repeat {
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw unexpected("in an object, where a key should start")
            }
            let key = try string()
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                throw unexpected("in an object, where ':' should be")
            }
            offset += 1
            skipWhitespace()
            if members.index(forKey: key) == nil {
                members[key] = try value()
            } else {
                do { _ = try value() } catch { throw Failure(reason: error.reason + Failure.inDuplicateValue) }
            }
        } while try !closes(UInt8(ascii: "}"), in: "an object")
        return members
    }

    /// Enters a container at its opening bracket; `true` (and left) when it is empty.
    private mutating func opens(closedBy closing: UInt8) throws(Failure) -> Bool {
        try enter()
        offset += 1
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == closing else { return false }
        offset += 1
        depth -= 1
        return true
    }

    /// After a member: `,` (then the next member, or the closing bracket: one trailing comma is allowed) or the
    /// closing bracket. `true` when the container is closed (and left).
    private mutating func closes(_ closing: UInt8, in container: String) throws(Failure) -> Bool {
        skipWhitespace()
        guard offset < bytes.count else { throw unexpected("in \(container)") }
        if bytes[offset] == UInt8(ascii: ",") {
            offset += 1
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == closing else { return false }
        } else if bytes[offset] != closing {
            throw unexpected(
                "in \(container), where ',' or '\(Character(Unicode.Scalar(closing)))' should be")
        }
        offset += 1
        depth -= 1
        return true
    }

    // MARK: Strings

    /// A string from its opening quote: raw bytes are copied as they are, escapes decoded, and a raw control
    /// character (below U+0020) rejected.
    private mutating func string() throws(Failure) -> String {
        offset += 1
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            offset += 1
        }
        var decoded = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw unexpected("in a string (control characters must be escaped)")
            default:
                decoded.append(byte)
                offset += 1
            }
        }
        throw Failure(reason: "unterminated string starting at offset \(start - 1)")
    }

    /// One escape sequence from its backslash, appended to `decoded` as UTF-8. A `\u` escape of a high
    /// surrogate must be followed by one of a low surrogate; a lone surrogate is rejected, as in Foundation.
    private mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
        let start = offset
        offset += 1
        guard offset < bytes.count else { throw Failure(reason: "unterminated string at offset \(offset)") }
        let simple: UInt8
        switch bytes[offset] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            offset += 1
            var scalar = UInt32(try hexQuad())
            if 0xDC00...0xDFFF ~= scalar {
                throw Failure(reason: "lone low surrogate in the escape at offset \(start)")
            }
            if 0xD800...0xDBFF ~= scalar {
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                else { throw Failure(reason: "high surrogate without a low one in the escape at offset \(start)") }
                offset += 2
                let low = UInt32(try hexQuad())
                guard 0xDC00...0xDFFF ~= low else {
                    throw Failure(reason: "high surrogate without a low one in the escape at offset \(start)")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            // Not a surrogate, so a valid scalar.
            decoded.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar).unsafelyUnwrapped).unsafelyUnwrapped)
            return
        default:
            throw Failure(reason: "invalid escape \(Self.describe(bytes, at: offset, prefix: "\\")) at offset \(start)")
        }
        decoded.append(simple)
        offset += 1
    }

    /// The four hex digits of a `\u` escape, either case.
    private mutating func hexQuad() throws(Failure) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard offset < bytes.count else { throw unexpected("in a \\u escape") }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw unexpected("in a \\u escape, where a hex digit should be")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    // MARK: Numbers

    /// `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?, converted correctly rounded.
    private mutating func number() throws(Failure) -> Double {
        let start = offset
        let negative = bytes[offset] == UInt8(ascii: "-")
        if negative { offset += 1 }
        // The significand's digits as an integer while it stays exact, for the fast path.
        var significand: UInt64 = 0
        var digits = 0
        var nonZero = false
        var scale = 0
        guard offset < bytes.count, isDigit(bytes[offset]) else {
            throw unexpected("in a number, where a digit should be")
        }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            while offset < bytes.count, isDigit(bytes[offset]) {
                accumulate(bytes[offset], &significand, &digits, &nonZero)
                offset += 1
            }
        }
        var simple = true
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw unexpected("in a number, where a fraction digit should be")
            }
            while offset < bytes.count, isDigit(bytes[offset]) {
                accumulate(bytes[offset], &significand, &digits, &nonZero)
                scale -= 1
                offset += 1
            }
        }
        var exponent = 0
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            var exponentNegative = false
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                exponentNegative = bytes[offset] == UInt8(ascii: "-")
                offset += 1
            }
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw unexpected("in a number, where an exponent digit should be")
            }
            while offset < bytes.count, isDigit(bytes[offset]) {
                if exponent < 100_000 {
                    exponent = exponent * 10 + Int(bytes[offset] &- UInt8(ascii: "0"))
                } else {
                    simple = false
                }
                offset += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        // `01`, `1.2.3`, `1e5e5`: the number's characters go on past its end.
        if offset < bytes.count, isDigit(bytes[offset]) || Self.numberPunctuation.contains(bytes[offset]) {
            throw unexpected("in a number")
        }
        let value: Double
        let power = scale + exponent
        if simple, digits <= 15, -22...22 ~= power {
            // Exact significand and an exact power of ten: one correctly rounded operation, as strtod's result.
            let exact = Double(significand)
            value = power < 0 ? exact / Self.powersOfTen[-power] : exact * Self.powersOfTen[power]
        } else {
            let span = UnsafeBufferPointer(rebasing: bytes[(negative ? start + 1 : start)..<offset])
            value = Double(String(decoding: span, as: UTF8.self)) ?? .nan
        }
        guard value.isFinite, value != 0 || !nonZero else {
            throw Failure(reason: "number out of range at offset \(start) (a Double cannot hold it)")
        }
        return negative ? -value : value
    }

    private static let numberPunctuation: Set<UInt8> = Set("+-.eE".utf8)

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Adds a significand digit; leading zeros do not count, and past 15 digits only `digits` keeps counting.
    private func accumulate(_ byte: UInt8, _ significand: inout UInt64, _ digits: inout Int, _ nonZero: inout Bool) {
        let digit = UInt64(byte &- UInt8(ascii: "0"))
        if digit != 0 { nonZero = true }
        guard nonZero else { return }
        digits += 1
        if digits <= 15 { significand = significand &* 10 &+ digit }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    // MARK: Whitespace and errors

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    /// `unexpected character 'x' at offset N <context>`, or `unexpected end of text at offset N <context>`.
    private func unexpected(_ context: String) -> Failure {
        guard offset < bytes.count else {
            return Failure(reason: "unexpected end of text at offset \(offset) \(context)")
        }
        return Failure(
            reason: "unexpected character \(Self.describe(bytes, at: offset)) at offset \(offset) \(context)")
    }

    /// The character at `offset`, quoted, or its code point when it is a control character.
    private static func describe(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, prefix: String = "") -> String {
        let tail = UnsafeBufferPointer(rebasing: bytes[offset..<min(offset + 4, bytes.count)])
        guard let scalar = String(decoding: tail, as: UTF8.self).unicodeScalars.first else { return "?" }
        if scalar.value < 0x20 || scalar.value == 0x7F {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        return "'\(prefix)\(Character(scalar))'"
    }
}

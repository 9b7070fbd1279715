import Eventide
import Foundation

/// The shape check a bearer token passes before jwt-kit reads it: three base64url segments, at most 8 KiB, whose
/// first two (header and claims) are JSON objects by the runtime's parser.
///
/// jwt-kit decodes those segments with Foundation's `JSONDecoder`, which traps while reporting a text that ends at
/// the bracket one level past its nesting limit (`[` × 513): any caller, with no credentials, could stop the server
/// with one request. `JSONValue.parse` refuses that text with a typed error (nesting deeper than 512), so a token
/// that reaches jwt-kit is JSON Foundation reads without error. Checked once per token (`VerifiedTokens` keeps
/// the verified ones).
enum CompactToken {
    static let maximumLength = 8_192

    static func isWellFormed(_ token: String) -> Bool {
        guard token.utf8.count <= maximumLength else { return false }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return false }
        for segment in segments.prefix(2) {
            guard let bytes = base64URLDecoded(segment), let text = String(validating: bytes, as: UTF8.self),
                case .object? = try? JSONValue.parse(text)
            else { return false }
        }
        return true
    }

    /// A base64url segment (no padding, as JWS writes it), decoded; `nil` when it is not base64url.
    static func base64URLDecoded(_ segment: Substring) -> [UInt8]? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

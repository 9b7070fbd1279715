import Crypto
import Foundation

/// Signs HTTP requests with AWS Signature Version 4 (header-based), as SQS, S3 and every AWS JSON/query API
/// expect. Verified against AWS's published examples (the SigV4 test suite and the S3 documentation).
///
/// For `s3` the path is encoded once and `x-amz-content-sha256` is signed, as S3 requires; for other services
/// the path is encoded twice, as the SigV4 specification says.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to send: the given ones plus `Host`, `X-Amz-Date`, for S3 `X-Amz-Content-Sha256`, the
    /// session token when there is one, and `Authorization`.
    public func sign(
        method: String, url: URL, headers: [String: String] = [:], body: Data = Data(),
        date: Date = Date()
    ) throws(AWSError) -> [String: String] {
        var headers = headers
        if !headers.keys.contains(where: { $0.lowercased() == "host" }), let host = url.host {
            headers["Host"] = url.port.map { "\(host):\($0)" } ?? host
        }
        let (amzDate, day) = Self.timestamps(date)
        headers["X-Amz-Date"] = amzDate
        let payloadHash = Self.hex(SHA256.hash(data: body))
        if service == "s3" { headers["X-Amz-Content-Sha256"] = payloadHash }
        if let token = credentials.sessionToken { headers["X-Amz-Security-Token"] = token }

        let (request, signedHeaders) = try canonicalRequest(
            method: method, url: url, headers: headers,
            payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(request.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        headers["Authorization"] =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return headers
    }

    /// The canonical request and the signed header list (exposed for tests and debugging: AWS error messages
    /// quote the canonical request they computed).
    public func canonicalRequest(
        method: String, url: URL, headers: [String: String],
        payloadHash: String
    ) throws(AWSError) -> (request: String, signedHeaders: String) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw AWSError.invalidURL(url.absoluteString)
        }
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        let canonicalPath =
            service == "s3"
            ? Self.encode(path.removingPercentEncoding ?? path, keepSlash: true)
            : Self.encode(Self.encode(path.removingPercentEncoding ?? path, keepSlash: true), keepSlash: true)
        let query = (components.percentEncodedQuery ?? "").split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            return (Self.encode(parts[0]), Self.encode(parts.count > 1 ? parts[1] : ""))
        }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let canonicalHeaders = headers.map { name, value in
            (name.lowercased(), value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }.sorted { $0.0 < $1.0 }
        let signed = canonicalHeaders.map(\.0).joined(separator: ";")
        let request = [
            method.uppercased(), canonicalPath, query,
            canonicalHeaders.map { "\($0.0):\($0.1)\n" }.joined(), signed, payloadHash,
        ]
        .joined(separator: "\n")
        return (request, signed)
    }

    static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }

    /// RFC 3986 encoding: everything but unreserved characters (and `/` in paths) as `%XX`, upper-case hex.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-_.~".contains(c) || (keepSlash && c == "/")) {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

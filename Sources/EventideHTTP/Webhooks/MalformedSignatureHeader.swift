/// A signature header that cannot be read: which header, and why. The header parsers throw it instead of
/// `WebhookError` so that they build with Foundation alone (the fuzz targets compile them without Hummingbird or
/// Crypto); the receiver answers it as `WebhookError.malformedSignature` (401).
struct MalformedSignatureHeader: Error, Sendable, Equatable {
    let header: String
    let reason: String
}

/// What a webhook answer's status says became of a delivery, as its sender sees it.
public enum WebhookFate: String, Sendable, Hashable, Codable {
    /// `202 Accepted`: a new asset event was committed.
    case accepted
    /// `200 OK`: the delivery id was recorded before; the answer names the first event.
    case duplicate
    /// Any other status: refused, nothing recorded.
    case refused

    public init(status: Int) {
        self =
            switch status {
            case 202: .accepted
            case 200: .duplicate
            default: .refused
            }
    }
}

/// What went wrong preparing or sending an AWS request.
public enum AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "cannot sign a request for \(url.debugDescription): it is not a valid http(s) URL"
        }
    }
}

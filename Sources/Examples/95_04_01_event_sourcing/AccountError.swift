/// Why the account refused a command.
enum AccountError: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    case alreadyOpen
    case notOpen
    case nonPositiveAmount(Int)
    case insufficientFunds(balance: Int, requested: Int)
    /// A command refused by the account's rules, on the attempt that decided it.
    indirect case refused(AccountError, attempts: Int)
    case gaveUp(attempts: Int)
    /// The stream holds an event type this account does not know.
    case unknownEventType(String)

    var description: String {
        switch self {
        case .alreadyOpen: "the account is already open"
        case .notOpen: "the account is not open: open it first"
        case .nonPositiveAmount(let amount): "amounts are positive, got \(amount)"
        case .insufficientFunds(let balance, let requested):
            "insufficient funds: balance \(balance), requested \(requested)"
        case .refused(let reason, let attempts): "\(reason) (decided on attempt \(attempts))"
        case .gaveUp(let attempts):
            "gave up after \(attempts) attempts: other writers kept appending first; retry later"
        case .unknownEventType(let type):
            "the stream holds an event of unknown type \(type); upgrade the account's fold"
        }
    }
}

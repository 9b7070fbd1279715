/// Why `place_order`'s validate task refused a command.
enum OrderError: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    case missingField
    case noLines(orderId: String)
    case unknownSku(String)
    case nonPositiveQuantity(sku: String, quantity: Int)
    /// The conf or an upstream value is not the JSON the task expects.
    case malformedInput(reason: String)

    var description: String {
        switch self {
        case .missingField: "an order needs an orderId and a customer"
        case .noLines(let orderId): "order \(orderId) has no lines; add at least one"
        case .unknownSku(let sku): "unknown sku \(sku); the catalog sells \(CQRSIntegration.prices.keys.sorted())"
        case .nonPositiveQuantity(let sku, let quantity): "quantity of \(sku) must be positive, got \(quantity)"
        case .malformedInput(let reason): "the command is not a PlaceOrder: \(reason)"
        }
    }
}

/// A routing table that cannot be used.
public enum DynamicRoutingError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicateRoute(String)

    public var description: String {
        switch self {
        case .duplicateRoute(let name): "route '\(name)' appears twice in the table; give each route its own name."
        }
    }
}

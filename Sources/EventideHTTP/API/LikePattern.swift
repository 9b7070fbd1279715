/// An SQL `LIKE` pattern matched case-insensitively, as Airflow's `uri_pattern` and `name_pattern` filters are
/// (`ILIKE '%<pattern>%'`): `%` stands for any run of characters, `_` for one, anything else for itself, and the
/// pattern may match anywhere in the value. `~` alone matches everything, as in Airflow.
struct LikePattern: Sendable, Hashable {
    private enum Token: Hashable {
        case literal(Character)
        case one
        case any
    }

    private let tokens: [Token]

    init(_ pattern: String) {
        let body: [Token] =
            pattern == "~"
            ? [] : pattern.lowercased().map { $0 == "%" ? .any : $0 == "_" ? .one : .literal($0) }
        tokens = [.any] + body + [.any]
    }

    func matches(_ value: String) -> Bool {
        let text = Array(value.lowercased())
        // reachable[i]: the tokens so far can consume exactly text[..<i].
        var reachable = [Bool](repeating: false, count: text.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: text.count + 1)
            for index in 0...text.count where reachable[index] {
                switch token {
                case .any:
                    for later in index...text.count { next[later] = true }
                case .one where index < text.count:
                    next[index + 1] = true
                case .literal(let character) where index < text.count && text[index] == character:
                    next[index + 1] = true
                default:
                    break
                }
            }
            reachable = next
        }
        return reachable[text.count]
    }
}

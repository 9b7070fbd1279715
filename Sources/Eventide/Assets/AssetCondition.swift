/// A boolean condition over assets, as in Airflow 3's `AssetAll` / `AssetAny`: `a & b`, `a | b`, nested.
///
/// Swift's precedences make `&` bind tighter than `|`, as in Airflow: `a & b | c` is `(a & b) | c`.
/// Chains of one operator flatten: `a & b & c` is `all([a, b, c])`.
public indirect enum AssetCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    case asset(AssetKey)
    case alias(String)
    case all([AssetCondition])
    case any([AssetCondition])

    /// Airflow's `schedule=[a, b]`: all of them.
    public init(schedule assets: [Asset]) {
        self = assets.count == 1 ? .asset(assets[0].key) : .all(assets.map { .asset($0.key) })
    }

    /// Every asset named directly.
    public var assetKeys: Set<AssetKey> {
        switch self {
        case .asset(let key): [key]
        case .alias: []
        case .all(let parts), .any(let parts): parts.reduce(into: []) { $0.formUnion($1.assetKeys) }
        }
    }

    /// Every alias named.
    public var aliasNames: Set<String> {
        switch self {
        case .asset: []
        case .alias(let name): [name]
        case .all(let parts), .any(let parts): parts.reduce(into: []) { $0.formUnion($1.aliasNames) }
        }
    }

    /// Whether the condition holds when the assets in `updated` have new events. An alias holds when any
    /// asset it resolves to was updated, and never while it resolves to nothing. `all([])` holds and
    /// `any([])` does not (the usual empty conjunction and disjunction).
    public func evaluate(updated: Set<AssetKey>, aliases: [String: Set<AssetKey>]) -> Bool {
        switch self {
        case .asset(let key): updated.contains(key)
        case .alias(let name): !(aliases[name] ?? []).isDisjoint(with: updated)
        case .all(let parts): parts.allSatisfy { $0.evaluate(updated: updated, aliases: aliases) }
        case .any(let parts): parts.contains { $0.evaluate(updated: updated, aliases: aliases) }
        }
    }

    /// Leaves still awaited for the condition to hold (every unsatisfied leaf of an unsatisfied branch).
    public func missing(updated: Set<AssetKey>, aliases: [String: Set<AssetKey>]) -> [AssetCondition] {
        if evaluate(updated: updated, aliases: aliases) { return [] }
        switch self {
        case .asset, .alias: return [self]
        case .all(let parts), .any(let parts): return parts.flatMap { $0.missing(updated: updated, aliases: aliases) }
        }
    }

    public var description: String {
        switch self {
        case .asset(let key): key.uri
        case .alias(let name): "alias:\(name)"
        case .all(let parts): "(" + parts.map(\.description).joined(separator: " & ") + ")"
        case .any(let parts): "(" + parts.map(\.description).joined(separator: " | ") + ")"
        }
    }
}

/// Anything that can stand in an asset condition: `Asset`, `AssetAlias`, `AssetCondition`.
public protocol AssetConditionConvertible: Sendable {
    var assetCondition: AssetCondition { get }
}

extension Asset: AssetConditionConvertible {
    public var assetCondition: AssetCondition { .asset(key) }
}

extension AssetAlias: AssetConditionConvertible {
    public var assetCondition: AssetCondition { .alias(name) }
}

extension AssetCondition: AssetConditionConvertible {
    public var assetCondition: AssetCondition { self }
}

public func & (lhs: some AssetConditionConvertible, rhs: some AssetConditionConvertible) -> AssetCondition {
    func parts(_ c: AssetCondition) -> [AssetCondition] { if case .all(let p) = c { p } else { [c] } }
    return .all(parts(lhs.assetCondition) + parts(rhs.assetCondition))
}

public func | (lhs: some AssetConditionConvertible, rhs: some AssetConditionConvertible) -> AssetCondition {
    func parts(_ c: AssetCondition) -> [AssetCondition] { if case .any(let p) = c { p } else { [c] } }
    return .any(parts(lhs.assetCondition) + parts(rhs.assetCondition))
}

/// A boolean condition over assets and aliases, as in Airflow 3's `AssetAll` / `AssetAny`: `a & b`, `a | b`,
/// nested. A DAG scheduled on it runs when the condition holds over the asset events queued for it.
///
/// Build it with `&` and `|` over assets, aliases and conditions. Swift's precedences make `&` bind tighter
/// than `|`, as in Airflow: `a & b | c` is `(a & b) | c`. Chains of one operator flatten, whatever the
/// brackets: `a & b & c` and `(a & b) & c` are `.all([a, b, c])`, `a | (b | c)` is `.any([a, b, c])`.
///
/// An empty group (`.all([])`, `.any([])`, `AssetCondition(schedule: [])`) never holds: a condition over
/// no assets has nothing that could trigger it. (Airflow's `AssetAll()` would be vacuously true, but its
/// scheduler only evaluates a condition when an event for one of its assets is queued, so it never runs
/// either.) The operators cannot build an empty group.
///
/// Equality is structural: `.all([a, b]) != .all([b, a])`, although both hold on the same updates.
///
/// Encodes as plain JSON with one key per node: `{"all": [{"asset": {"name": "a", "uri": "s3://x/a"}},
/// {"alias": "daily"}]}`.
public indirect enum AssetCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Holds when the asset has a new event.
    case asset(AssetKey)
    /// Holds when any asset the alias resolves to has a new event; never while it resolves to nothing.
    case alias(String)
    /// Holds when the registered asset the reference names has a new event; never while it names none.
    case reference(AssetReference)
    /// Holds when every part holds (and there is at least one part).
    case all([AssetCondition])
    /// Holds when at least one part holds.
    case any([AssetCondition])

    /// Airflow's `schedule=[a, b]`: all of them. One asset is just that asset.
    public init(schedule assets: [Asset]) {
        self = assets.count == 1 ? .asset(assets[0].key) : .all(assets.map { .asset($0.key) })
    }

    /// Every asset named directly (aliases not resolved).
    public var assetKeys: Set<AssetKey> {
        switch self {
        case .asset(let key): [key]
        case .alias, .reference: []
        case .all(let parts), .any(let parts): parts.reduce(into: []) { $0.formUnion($1.assetKeys) }
        }
    }

    /// Every alias named.
    public var aliasNames: Set<String> {
        switch self {
        case .asset, .reference: []
        case .alias(let name): [name]
        case .all(let parts), .any(let parts): parts.reduce(into: []) { $0.formUnion($1.aliasNames) }
        }
    }

    /// Every asset reference named.
    public var references: Set<AssetReference> {
        switch self {
        case .asset, .alias: []
        case .reference(let reference): [reference]
        case .all(let parts), .any(let parts): parts.reduce(into: []) { $0.formUnion($1.references) }
        }
    }

    /// Whether the condition holds when the assets in `updated` have new events.
    ///
    /// - Parameters:
    ///   - updated: the assets with at least one event queued for the DAG.
    ///   - aliases: what each alias resolves to so far; an alias missing here resolves to nothing.
    ///   - references: the registered asset each reference names; a reference missing here is false.
    public func evaluate(
        updated: Set<AssetKey>, aliases: [String: Set<AssetKey>] = [:],
        references: [AssetReference: AssetKey] = [:]
    ) -> Bool {
        switch self {
        case .asset(let key): updated.contains(key)
        case .alias(let name): !(aliases[name] ?? []).isDisjoint(with: updated)
        case .reference(let reference): references[reference].map(updated.contains) ?? false
        case .all(let parts):
            !parts.isEmpty
                && parts.allSatisfy { $0.evaluate(updated: updated, aliases: aliases, references: references) }
        case .any(let parts): parts.contains { $0.evaluate(updated: updated, aliases: aliases, references: references) }
        }
    }

    /// The leaves (`.asset` and `.alias`) still awaited, in the order they appear, each once: every
    /// unsatisfied leaf of every unsatisfied branch. Empty when the condition holds. For an `any`, updating
    /// the leaves of one branch is enough, so a narrative reads them as "waiting on b or c".
    /// An empty group awaits nothing and never holds.
    public func missing(
        updated: Set<AssetKey>, aliases: [String: Set<AssetKey>] = [:],
        references: [AssetReference: AssetKey] = [:]
    ) -> [AssetCondition] {
        var seen: Set<AssetCondition> = []
        return awaitedLeaves(updated: updated, aliases: aliases, references: references).filter {
            seen.insert($0).inserted
        }
    }

    private func awaitedLeaves(
        updated: Set<AssetKey>, aliases: [String: Set<AssetKey>], references: [AssetReference: AssetKey]
    ) -> [AssetCondition] {
        if evaluate(updated: updated, aliases: aliases, references: references) { return [] }
        switch self {
        case .asset, .alias, .reference: return [self]
        case .all(let parts), .any(let parts):
            return parts.flatMap { $0.awaitedLeaves(updated: updated, aliases: aliases, references: references) }
        }
    }

    /// Reads like the Swift that builds it: `(orders & customers) | manual`. Assets show their name, aliases
    /// `alias:<name>`; nested groups are bracketed, the outermost is not; empty groups show `all()`/`any()`.
    public var description: String { render(nested: false) }

    private func render(nested: Bool) -> String {
        switch self {
        case .asset(let key): return key.name
        case .alias(let name): return "alias:\(name)"
        case .reference(let reference): return reference.description
        case .all(let parts): return Self.render(parts, joinedBy: " & ", empty: "all()", nested: nested)
        case .any(let parts): return Self.render(parts, joinedBy: " | ", empty: "any()", nested: nested)
        }
    }

    private static func render(
        _ parts: [AssetCondition], joinedBy separator: String, empty: String,
        nested: Bool
    ) -> String {
        if parts.isEmpty { return empty }
        if parts.count == 1 { return parts[0].render(nested: nested) }
        let text = parts.map { $0.render(nested: true) }.joined(separator: separator)
        return nested ? "(\(text))" : text
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey { case asset, alias, reference, all, any }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription:
                        "an asset condition is an object with exactly one of the keys asset, alias, reference, all, any"
                ))
        }
        switch key {
        case .asset: self = .asset(try container.decode(AssetKey.self, forKey: .asset))
        case .alias: self = .alias(try container.decode(String.self, forKey: .alias))
        case .reference: self = .reference(try container.decode(AssetReference.self, forKey: .reference))
        case .all: self = .all(try container.decode([AssetCondition].self, forKey: .all))
        case .any: self = .any(try container.decode([AssetCondition].self, forKey: .any))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .asset(let key): try container.encode(key, forKey: .asset)
        case .alias(let name): try container.encode(name, forKey: .alias)
        case .reference(let reference): try container.encode(reference, forKey: .reference)
        case .all(let parts): try container.encode(parts, forKey: .all)
        case .any(let parts): try container.encode(parts, forKey: .any)
        }
    }
}

/// Anything that can stand in an asset condition: `Asset`, `AssetAlias` and `AssetCondition` itself.
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

/// All of both (Airflow's `a & b`); an operand that is itself an `all` contributes its parts.
public func & (lhs: some AssetConditionConvertible, rhs: some AssetConditionConvertible) -> AssetCondition {
    func parts(_ condition: AssetCondition) -> [AssetCondition] {
        if case .all(let parts) = condition, !parts.isEmpty { parts } else { [condition] }
    }
    return .all(parts(lhs.assetCondition) + parts(rhs.assetCondition))
}

/// Either (Airflow's `a | b`); an operand that is itself an `any` contributes its parts.
public func | (lhs: some AssetConditionConvertible, rhs: some AssetConditionConvertible) -> AssetCondition {
    func parts(_ condition: AssetCondition) -> [AssetCondition] {
        if case .any(let parts) = condition, !parts.isEmpty { parts } else { [condition] }
    }
    return .any(parts(lhs.assetCondition) + parts(rhs.assetCondition))
}

/// Chooses a failure's `FailureCategory` from the error's type: first the mappings declared here (for error types
/// you do not own, e.g. `DecodingError` → `.poison`), in the order declared, then the type's own
/// `CategorizedFailure` conformance, then `fallback` (by default `.permanent`: an error nobody categorised is
/// kept in the dead-letter queue instead of being retried blindly).
///
/// ```swift
/// let classifier = FailureClassifier()
///     .mapping(DecodingError.self, to: .poison)
///     .mapping(URLError.self) { $0.code == .timedOut ? .transient : .permanent }
/// classifier.category(of: error)
/// ```
public struct FailureClassifier: Sendable {
    private var rules: [@Sendable (any Error) -> FailureCategory?] = []
    /// The category of an error no mapping and no conformance categorises.
    public var fallback: FailureCategory

    public init(fallback: FailureCategory = .permanent) {
        self.fallback = fallback
    }

    /// This classifier with every error of type `E` in `category`.
    public func mapping<E: Error>(_ type: E.Type, to category: FailureCategory) -> Self {
        mapping(type) { _ in category }
    }

    /// This classifier with errors of type `E` categorised by `decide`.
    public func mapping<E: Error>(_ type: E.Type, _ decide: @escaping @Sendable (E) -> FailureCategory) -> Self {
        var copy = self
        copy.rules.append { error in (error as? E).map(decide) }
        return copy
    }

    /// The category of `error`.
    public func category(of error: any Error) -> FailureCategory {
        for rule in rules {
            if let category = rule(error) { return category }
        }
        if let categorized = error as? any CategorizedFailure { return categorized.failureCategory }
        return fallback
    }
}

import Eventide
import Testing

/// The category of a failure comes from the error's type: mappings first, then the type's own conformance, then
/// the fallback.
@Suite("Failure classifier", .timeLimit(.minutes(1)))
struct FailureClassifierTests {
    enum GatewayError: CategorizedFailure, Equatable {
        case timeout, declined
        var failureCategory: FailureCategory { self == .timeout ? .transient : .permanent }
    }

    struct MalformedPayload: Error {}
    struct Unknown: Error {}

    @Test("a conforming error type chooses its own category, value by value")
    func conformance() {
        let classifier = FailureClassifier()
        #expect(classifier.category(of: GatewayError.timeout) == .transient)
        #expect(classifier.category(of: GatewayError.declined) == .permanent)
    }

    @Test("a declared mapping categorises a type that does not conform, and wins over a conformance")
    func mappings() {
        let classifier = FailureClassifier()
            .mapping(MalformedPayload.self, to: .poison)
            .mapping(GatewayError.self) { _ in .poison }
        #expect(classifier.category(of: MalformedPayload()) == .poison)
        #expect(classifier.category(of: GatewayError.timeout) == .poison)
    }

    @Test("an error nobody categorised gets the fallback: permanent unless told otherwise")
    func fallback() {
        #expect(FailureClassifier().category(of: Unknown()) == .permanent)
        #expect(FailureClassifier(fallback: .transient).category(of: Unknown()) == .transient)
        #expect(FailureCategory.allCases.filter(\.isRetried) == [.transient])
    }
}

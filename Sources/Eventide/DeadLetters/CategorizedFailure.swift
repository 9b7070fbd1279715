/// An error that says which `FailureCategory` it belongs to: declare it on your error types and
/// `FailureClassifier` uses it for every error of the type.
///
/// ```swift
/// enum PaymentError: CategorizedFailure {
///     case gatewayTimeout, unknownCurrency(String)
///     var failureCategory: FailureCategory { self == .gatewayTimeout ? .transient : .permanent }
/// }
/// ```
public protocol CategorizedFailure: Error {
    var failureCategory: FailureCategory { get }
}

/// An example could not do what it was asked, and why.
public struct ExampleError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

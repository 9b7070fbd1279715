/// Why the console could not start or render.
public enum ConsoleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is no store at the path (the console opens stores, it does not create them).
    case noStore(path: String)
    /// The store exists but could not be opened for reading.
    case cannotReadStore(path: String, reason: String)
    /// A page template does not parse (a programming error, caught when the console is made).
    case invalidTemplate(name: String, reason: String)

    public var description: String {
        switch self {
        case .noStore(let path):
            "there is no Eventide store at \(path); run an example with --keep (or --db \(path)) first, "
                + "or check the path."
        case .cannotReadStore(let path, let reason):
            "the store at \(path) cannot be read: \(reason); is it an Eventide SQLite database you may read?"
        case .invalidTemplate(let name, let reason):
            "the console's template '\(name)' does not parse: \(reason); fix the template."
        }
    }
}

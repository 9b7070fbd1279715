/// Why the tool refused to run.
enum DLQToolError: Error, CustomStringConvertible {
    case noStore(path: String)

    var description: String {
        switch self {
        case .noStore(let path):
            "No store at \(path): pass the SQLite file a program wrote (run an example with --keep to keep one)."
        }
    }
}

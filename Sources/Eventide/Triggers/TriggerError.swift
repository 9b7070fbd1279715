import Foundation

/// What went wrong in a trigger or a deferred sensor.
public enum TriggerError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotWatch(path: String, reason: String)
    case timedOut(trigger: String, after: Duration)
    case ended(trigger: String)
    /// A trigger URI that cannot be parsed or lacks what its scheme needs (a queue name, a group).
    case invalidURI(String, reason: String)
    /// No trigger is registered for the URI's scheme.
    case unknownScheme(String, uri: String, known: [String])

    public var description: String {
        switch self {
        case .cannotWatch(let path, let reason):
            return "cannot watch \(path): \(reason). Check that the folder exists and is readable."
        case .timedOut(let trigger, let after):
            return "\(trigger) did not fire within \(after) (sensor timeout)."
        case .ended(let trigger):
            return "\(trigger) ended without firing."
        case .invalidURI(let uri, let reason):
            return "invalid trigger URI '\(uri)': \(reason)."
        case .unknownScheme(let scheme, let uri, let known):
            return "no trigger handles the scheme '\(scheme)' of '\(uri)'; known schemes: "
                + (known.isEmpty ? "none" : known.joined(separator: ", "))
                + ". Link the module that provides it and register its factory."
        }
    }
}

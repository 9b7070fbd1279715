import Hummingbird

/// A request the console refuses, with the status it answers and what to tell the person (shown on an HTML page).
struct ConsoleRefusal: Error, Sendable, Equatable {
    let status: HTTPResponse.Status
    let message: String

    static func notFound(_ what: String) -> ConsoleRefusal {
        ConsoleRefusal(status: .notFound, message: "\(what) is not in this store.")
    }

    static let badToken = ConsoleRefusal(
        status: .forbidden,
        message: "The form's CSRF token is missing or not this console's: reload the page and press the button again.")

    static func badRequest(_ message: String) -> ConsoleRefusal {
        ConsoleRefusal(status: .badRequest, message: message)
    }
}

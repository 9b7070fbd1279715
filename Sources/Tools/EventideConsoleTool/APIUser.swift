import ArgumentParser
import EventideHTTP

/// `--api-user NAME:ROLE`: a user of the REST API the tool serves. Its password is read from the environment
/// variable `EVENTIDE_API_PASSWORD_<NAME>` (upper-cased), never from the command line.
struct APIUser: ExpressibleByArgument, Sendable {
    let name: String
    let role: Principal.Role

    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
            let role = Principal.Role(rawValue: parts[1])
        else { return nil }
        name = parts[0]
        self.role = role
    }

    var passwordVariable: String { "EVENTIDE_API_PASSWORD_" + name.uppercased() }

    static var defaultValueDescription: String { "NAME:viewer|op|admin" }
}

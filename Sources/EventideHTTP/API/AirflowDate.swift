import Eventide
import Foundation

/// Dates as Airflow's API reads and writes them: RFC 3339 with a time zone (`2026-11-30T12:00:00Z`,
/// `2026-11-30T13:00:00+01:00`, fractional seconds allowed); answers always in UTC with milliseconds.
enum AirflowDate {
    enum Parsed: Equatable {
        case aware(Date)
        /// A valid date and time without a zone: pydantic's `AwareDatetime` refuses it (`timezone_aware`).
        case naive
        case invalid
    }

    static func parse(_ text: String) -> Parsed {
        if let date = try? Date(text, strategy: .iso8601) { return .aware(date) }
        if (try? Date(text + "Z", strategy: .iso8601)) != nil { return .naive }
        return .invalid
    }

    /// A date with a zone, or one without read as UTC (the `before` filter, as Airflow's lenient parse does).
    static func lenient(_ text: String) -> Date? {
        switch parse(text) {
        case .aware(let date): date
        case .naive: try? Date(text + "Z", strategy: .iso8601)
        case .invalid: nil
        }
    }

    static func format(_ date: Date) -> String { EventTime.format(date) }

    /// A date, or `null`.
    static func json(_ date: Date?) -> JSONValue { date.map { .string(format($0)) } ?? .null }
}

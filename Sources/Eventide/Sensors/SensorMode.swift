/// How a sensor waits between pokes, and what it holds meanwhile.
///
/// - `poke`: the task keeps its worker slot and sleeps between pokes (cheap for short waits, starves other
///   tasks of slots for long ones).
/// - `reschedule`: the task gives its slot back between pokes and is `up_for_reschedule` until its next poke;
///   the timeout still counts from the first poke.
/// - `deferrable`: the task pokes once, then hands a trigger to the triggerer and is `deferred`, holding no
///   slot, until the trigger fires (Airflow's `deferrable=True`, a flag there rather than a mode).
///
/// ```swift
/// let mode = try SensorMode(name: configuration["mode"] ?? "poke")   // "rescedule" → SensorError.unknownMode
/// ```
public enum SensorMode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case poke, reschedule, deferrable

    /// A mode by its name (`poke`, `reschedule`, `deferrable`), as given in configuration; any other name is
    /// refused with `SensorError.unknownMode`.
    public init(name: String) throws(SensorError) {
        guard let mode = SensorMode(rawValue: name) else { throw SensorError.unknownMode(name) }
        self = mode
    }

    public var description: String { rawValue }
}

import Foundation

/// What one poke sees: the task's context (run, conf, logical date, upstream values, clock), the settings, which
/// poke this is and when the first one happened (the timeout counts from it, across reschedules).
///
/// ```swift
/// func poke(_ context: SensorContext) async throws -> PokeReturnValue {
///     context.pokeNumber > 3 ? .done(["waited_seconds": .number(context.elapsed.inSeconds)]) : .notDone
/// }
/// ```
public struct SensorContext: Sendable {
    public let task: TaskContext
    public let settings: SensorSettings
    /// 1 for the first poke of this try, counted across reschedules.
    public let pokeNumber: Int
    /// When this try's first poke happened: stored, so that a rescheduled or resumed sensor keeps it.
    public let firstPokeAt: Date

    public init(task: TaskContext, settings: SensorSettings, pokeNumber: Int, firstPokeAt: Date) {
        self.task = task
        self.settings = settings
        self.pokeNumber = pokeNumber
        self.firstPokeAt = firstPokeAt
    }

    public var clock: EventideClock { task.clock }
    /// The run's logical date (`nil` for asset-triggered runs).
    public var logicalDate: Date? { task.logicalDate }
    /// Time since the first poke, on the runtime's clock.
    public var elapsed: Duration { .seconds(clock.date.timeIntervalSince(firstPokeAt)) }
    /// Time left before the timeout.
    public var remaining: Duration { max(settings.timeout - elapsed, .zero) }
}

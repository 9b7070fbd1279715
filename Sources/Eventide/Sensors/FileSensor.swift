import Foundation

/// Waits until a file matching a glob pattern exists on local disk (Airflow's `FileSensor` with a wildcard
/// `filepath`): done with the matching files, `{"files": [{"path", "size", "modified_at"}], "count": n}`, as the
/// task's return value.
///
/// In `poke` and `reschedule` mode each poke expands the pattern (`glob(3)`). In `deferrable` mode the task
/// defers to an `InotifyFileTrigger`: the kernel reports the file once it is closed or moved in, and nothing
/// polls; where inotify cannot watch (a wildcard in the folder part, a folder that does not exist yet) the
/// trigger polls every `pokeInterval` and the result says why (`"watch": "polling"`, `"fallback": …`).
///
/// ```swift
/// let wait = TaskDefinition.sensor("wait_orders", FileSensor(path: "/data/in/orders_*.csv"),
///                                  settings: SensorSettings(mode: .deferrable, timeout: .seconds(3600)))
/// ```
/// Write files under a temporary name and rename them into place: a poke may see a file that is still being
/// written (inotify's `IN_CLOSE_WRITE` does not).
public struct FileSensor: Sensor {
    public let path: GlobPattern
    /// Pokes made by the task (shared by copies of the sensor).
    public let pokes = Counter()
    /// inotify wake-ups and polling checks of the deferrable mode's triggers, in the triggerer.
    public let wakeUps = Counter()
    public let triggerPolls = Counter()

    public init(path: String) { self.path = GlobPattern(path) }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        pokes.next()
        let found = FileMatch.matching(path)
        return found.isEmpty ? .notDone : .done(Self.result(found, watch: nil))
    }

    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
        InotifyFileTrigger(
            pattern: path.pattern, pollInterval: context.settings.pokeInterval, clock: context.clock,
            wakeUps: wakeUps, polls: triggerPolls)
    }

    /// Every file that matches once the trigger fired (the one it saw at least), and how it watched.
    public func complete(_ event: TriggerEvent, context: SensorContext) async throws -> PokeReturnValue {
        var found = FileMatch.matching(path)
        if found.isEmpty, case .string(let fired)? = event.payload["path"], let match = FileMatch(path: fired) {
            found = [match]
        }
        guard !found.isEmpty else { return .notDone }  // gone again: poke on
        var watch: [String: JSONValue] = [:]
        for key in ["watch", "fallback"] { watch[key] = event.payload[key] }
        return .done(Self.result(found, watch: watch))
    }

    static func result(_ files: [FileMatch], watch: [String: JSONValue]?) -> JSONValue {
        var fields: [String: JSONValue] = [
            "files": .array(files.map(\.payload)), "count": .number(Double(files.count)),
        ]
        for (key, value) in watch ?? [:] { fields[key] = value }
        return .object(fields)
    }
}

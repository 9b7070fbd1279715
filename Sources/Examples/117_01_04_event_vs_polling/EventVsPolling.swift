import Eventide
import Foundation

/// 117.1.4 — the same stream of file arrivals observed at once by a polling sensor and by a watcher: what each
/// costs (wake-ups), how late each is, and a rule that chooses between them per use case.
// Longer than one screen: the choice rule (about 50 lines) is part of the pattern, shown whole with its reasons,
// beside the watcher and the poller it chooses between.
enum EventVsPolling {
    // [START watcher]
    /// Event-driven: the kernel wakes the trigger (inotify) for each file; each file is an asset event and a run.
    struct Watched: Sendable {
        let trigger: FileArrivalTrigger
        let asset: Asset
        let consumer: DAG

        init(folder: URL, clock: EventideClock = .system) throws {
            trigger = FileArrivalTrigger(directory: folder, clock: clock)
            // `observed_at_s`: when the trigger learned of the file, readable later from the asset event.
            let watcher = AssetWatcher(
                name: "stream_watcher", trigger: trigger,
                extract: { event in
                    [
                        "payload": event.payload,
                        "observed_at_s": event.observedAt.map { .number($0.timeIntervalSince1970) } ?? .null,
                    ]
                })
            asset = try Asset(uri: folder.absoluteString, name: "stream", watchers: [watcher])
            consumer = try DAG(
                "on_event", schedule: .on([asset]), maxActiveRuns: 1_000, assetTriggering: .perEvent,
                tasks: [TaskDefinition("handle") { _ in .none }])
        }
    }
    // [END watcher]

    // [START poller]
    /// Polling: a sensor wakes every poke interval, events or not, and lists the folder; new names are detections.
    struct FolderPoller: Sendable {
        let folder: URL
        let sensor: PollingSensor<EventideClock>

        /// Pokes until the folder holds names not in `known`; `onPoke` runs as each poke starts.
        func newFiles(
            besides known: Set<String>,
            onPoke: @escaping @Sendable () -> Void = {}
        ) async throws -> Set<String> {
            try await sensor.wait {
                onPoke()
                let fresh = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)).subtracting(known)
                return fresh.isEmpty ? nil : fresh
            }
        }
    }
    // [END poller]

    // [START choice]
    enum Approach: String, Codable, Sendable { case polling, watcher }

    struct UseCase: Codable, Sendable, Hashable {
        let name: String
        let eventsPerHour: Double
        let latencyBudgetSeconds: Double
        /// The poke interval a polling sensor would use here.
        let pokeIntervalSeconds: Double
    }

    enum Reason: Codable, Sendable, Hashable {
        /// Polling can be one interval late, which is over the budget; the watcher is within it.
        case pollingOverBudget(pollingWorstSeconds: Double, budgetSeconds: Double)
        /// Both fit the budget; the watcher wakes less often.
        case watcherWakesLess(watcherPerHour: Double, pollingPerHour: Double)
        /// Both fit the budget; polling wakes less often, batching the events that arrived since the last poke.
        case pollingWakesLess(pollingPerHour: Double, eventsPerHour: Double)
    }

    struct Recommendation: Codable, Sendable, Hashable {
        let useCase: UseCase
        let choice: Approach
        let reason: Reason
        let pollingWakeUpsPerHour: Double
        let watcherWakeUpsPerHour: Double
    }

    /// A poller wakes 3600/interval times an hour and is up to one interval late; a watcher wakes about
    /// `watcherWakeUpsPerEvent` times per event and is late by `watcherWorstSeconds`. Budget first, then wake-ups.
    static func recommend(
        _ useCase: UseCase, watcherWakeUpsPerEvent: Double,
        watcherWorstSeconds: Double
    ) -> Recommendation {
        let budget = useCase.latencyBudgetSeconds
        let pollingPerHour = 3_600 / useCase.pokeIntervalSeconds
        let watcherPerHour = useCase.eventsPerHour * max(watcherWakeUpsPerEvent, 0.01)
        let (choice, reason): (Approach, Reason) =
            if useCase.pokeIntervalSeconds > budget && watcherWorstSeconds <= budget {
                (.watcher, .pollingOverBudget(pollingWorstSeconds: useCase.pokeIntervalSeconds, budgetSeconds: budget))
            } else if watcherPerHour < pollingPerHour {
                (.watcher, .watcherWakesLess(watcherPerHour: watcherPerHour, pollingPerHour: pollingPerHour))
            } else {
                (.polling, .pollingWakesLess(pollingPerHour: pollingPerHour, eventsPerHour: useCase.eventsPerHour))
            }
        return Recommendation(
            useCase: useCase, choice: choice, reason: reason, pollingWakeUpsPerHour: pollingPerHour,
            watcherWakeUpsPerHour: watcherPerHour)
    }
    // [END choice]
}

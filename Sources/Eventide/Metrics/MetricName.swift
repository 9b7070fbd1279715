/// The runtime's metric names and label names, in one place, in Prometheus' style (`_total` for counters,
/// `_seconds` for durations, base units). `docs/console.md` lists them with what they count; a metric with one
/// name always carries the same label names (Prometheus requires it).
public enum MetricName {
    /// Counter, label `source_kind` (`task`, `watcher`, `api`): asset events committed.
    public static let assetEventsRecorded = "eventide_asset_events_recorded_total"
    /// Counter, label `source_kind`: asset events not recorded because their source's message id had been
    /// recorded before (a redelivery, a retried API call).
    public static let assetEventDuplicates = "eventide_asset_event_duplicates_total"
    /// Counter, labels `dag_id`, `run_type` (`manual`, `scheduled`, `asset_triggered`): runs created.
    public static let dagRunsCreated = "eventide_dag_runs_created_total"
    /// Histogram (a swift-metrics `Timer`), labels `dag_id`, `state` (`success`, `failed`): how long runs took,
    /// from their start (their first task running) to their final state, on the scheduler's clock.
    public static let dagRunDuration = "eventide_dag_run_duration_seconds"
    /// Counter, label `source`: messages kept in the runtime's dead-letter queue (a redelivered dead letter
    /// that is still waiting is not counted again).
    public static let deadLetters = "eventide_dead_letters_total"
    /// Counter, label `source`: dead letters handed back (redriven).
    public static let deadLettersRedriven = "eventide_dead_letters_redriven_total"
    /// Counter, labels `watcher`, `outcome` (`recorded`, `duplicate`, `filtered`, `dead_lettered`): what a
    /// watcher did with each event its trigger fired.
    public static let watcherEvents = "eventide_watcher_events_total"
    /// Counter, label `watcher`: restarts after the watcher's trigger threw.
    public static let watcherRestarts = "eventide_watcher_restarts_total"
    /// Counter, label `watcher`: watchers given up on (failed beyond their restart policy).
    public static let watcherFailures = "eventide_watcher_failures_total"
    /// Histogram (a `Timer`), label `watcher`: from when the source says the message happened (its timestamp),
    /// or else from when the trigger fired it, to the commit of its asset event.
    public static let watcherLag = "eventide_watcher_lag_seconds"
    /// Counter, labels `queue`, `outcome` (`sent`, `received`, `deleted`, `dead_lettered`): embedded queue
    /// operations, by message.
    public static let embeddedQueueMessages = "eventide_embedded_queue_messages_total"
    /// Gauge, label `dag_id`: asset events queued for the DAG and not yet consumed by a run. Sampled from the
    /// store (`RuntimeMetrics.sampleStore`).
    public static let assetEventQueueDepth = "eventide_asset_event_queue_depth"
    /// Gauge, labels `queue`, `state` (`visible`, `in_flight`): messages in an embedded queue. Sampled.
    public static let embeddedQueueDepth = "eventide_embedded_queue_depth"
    /// Gauge, label `source`: dead letters waiting (not redriven). Sampled.
    public static let deadLettersWaiting = "eventide_dead_letters_waiting"

    /// Every name above, in the order listed: for documentation and for checking an exposition.
    public static let all = [
        assetEventsRecorded, assetEventDuplicates, dagRunsCreated, dagRunDuration, deadLetters, deadLettersRedriven,
        watcherEvents, watcherRestarts, watcherFailures, watcherLag, embeddedQueueMessages, assetEventQueueDepth,
        embeddedQueueDepth, deadLettersWaiting,
    ]

    /// The label names.
    public enum Label {
        public static let sourceKind = "source_kind"
        public static let dagId = "dag_id"
        public static let runType = "run_type"
        public static let state = "state"
        public static let source = "source"
        public static let watcher = "watcher"
        public static let outcome = "outcome"
        public static let queue = "queue"
    }
}

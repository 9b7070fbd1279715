/// A task instance's state, with Airflow's names.
public enum TaskState: String, Sendable, Codable, CaseIterable {
    case scheduled, queued, running, success, failed, skipped
    case upForRetry = "up_for_retry"
    /// A sensor in reschedule mode between two pokes: it holds no worker slot until its next poke.
    case upForReschedule = "up_for_reschedule"
    case deferred
    case upstreamFailed = "upstream_failed"

    public var isFinished: Bool { [.success, .failed, .skipped, .upstreamFailed].contains(self) }
}

/// A DAG run's state.
public enum DagRunState: String, Sendable, Codable {
    case queued, running, success, failed
    public var isFinished: Bool { self == .success || self == .failed }
}

/// Why a run exists.
public enum DagRunType: String, Sendable, Codable {
    case manual, scheduled
    case assetTriggered = "asset_triggered"
}

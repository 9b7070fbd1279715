import Eventide
import Foundation

/// The fields of a run that Airflow's `DAGRunResponse` shows: read from the store, or, for the answer to a
/// trigger, the run as it was created (as Airflow answers with the run it just created, before any worker can
/// have started it).
struct RunSnapshot: Sendable, Equatable {
    var dagId: String
    var runId: String
    var runType: DagRunType
    var state: DagRunState
    var conf: JSONValue
    var logicalDate: Date?
    var note: String?
    var queuedAt: Date
    var startedAt: Date?
    var endedAt: Date?

    /// A manual run just created at `queuedAt`: queued, not started.
    static func created(
        _ ref: DagRunRef, conf: JSONValue, logicalDate: Date? = nil, note: String? = nil, queuedAt: Date
    ) -> RunSnapshot {
        RunSnapshot(
            dagId: ref.dagId, runId: ref.runId, runType: .manual, state: .queued, conf: conf,
            logicalDate: logicalDate, note: note, queuedAt: queuedAt)
    }
}

extension RunSnapshot {
    /// A run as stored.
    init(_ run: DagRun) {
        self.init(
            dagId: run.dagId, runId: run.runId, runType: run.runType, state: run.state, conf: run.conf,
            logicalDate: run.logicalDate, note: run.note, queuedAt: run.queuedAt, startedAt: run.startedAt,
            endedAt: run.endedAt)
    }
}

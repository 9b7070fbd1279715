import Eventide
import Foundation

/// Runs in the shapes of Airflow's API: `DAGRunResponse`, and `DagRunAssetReference` (a run an asset event
/// created). Fields the runtime has no value for (data intervals, DAG versions, bundles, who triggered a manual
/// run) are `null` or empty, as Airflow answers when it has none.
enum AirflowJSON {
    static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    static func integer(_ value: Int64) -> JSONValue { .number(Double(value)) }

    /// `{"<key>": [...], "total_entries": n}`, Airflow's collection shape.
    static func collection(_ key: String, _ items: [JSONValue], total: Int) -> JSONValue {
        [key: .array(items), "total_entries": .number(Double(total))]
    }

    static func dagRun(_ run: DagRun) -> JSONValue { dagRun(RunSnapshot(run)) }

    static func dagRun(_ run: RunSnapshot) -> JSONValue {
        let duration: JSONValue =
            if let start = run.startedAt, let end = run.endedAt { .number(end.timeIntervalSince(start)) } else { .null }
        return [
            "dag_run_id": .string(run.runId), "dag_id": .string(run.dagId),
            "logical_date": AirflowDate.json(run.logicalDate), "queued_at": AirflowDate.json(run.queuedAt),
            "start_date": AirflowDate.json(run.startedAt), "end_date": AirflowDate.json(run.endedAt),
            "duration": duration, "data_interval_start": nil, "data_interval_end": nil,
            // A run may start as soon as it is created: Airflow's run_after for a manual run is its creation.
            "run_after": AirflowDate.json(run.queuedAt), "last_scheduling_decision": nil,
            "run_type": .string(run.runType.rawValue), "state": .string(run.state.rawValue),
            "triggered_by": triggeredBy(run.runType), "triggering_user_name": nil,
            "conf": run.conf.objectValue != nil ? run.conf : .null, "note": string(run.note),
            "dag_versions": [], "bundle_version": nil, "dag_display_name": .string(run.dagId),
        ]
    }

    /// Known from the run type for asset-triggered and scheduled runs; the store does not record whether a manual
    /// run came from the API or from code, so it is `null` for those.
    static func triggeredBy(_ type: DagRunType) -> JSONValue {
        switch type {
        case .assetTriggered: "asset"
        case .scheduled: "timetable"
        case .manual: nil
        }
    }

    /// A run an asset event created. `start_date` is `null` until the run starts (Airflow declares it required,
    /// our document says nullable).
    static func runReference(_ run: DagRun) -> JSONValue {
        [
            "run_id": .string(run.runId), "dag_id": .string(run.dagId),
            "logical_date": AirflowDate.json(run.logicalDate), "start_date": AirflowDate.json(run.startedAt),
            "end_date": AirflowDate.json(run.endedAt), "state": .string(run.state.rawValue),
            "data_interval_start": nil, "data_interval_end": nil,
        ]
    }
}

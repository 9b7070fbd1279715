import Eventide
import Foundation
import Hummingbird

/// The body of `POST /api/v2/dags/{dag_id}/dagRuns`, read as Airflow's `TriggerDAGRunPostBody`: `logical_date`
/// required (and nullable), `dag_run_id`, `conf` and `note` optional, nothing else allowed. Shape problems are one
/// 422 listing them all (`init`); what Airflow refuses after that, once the DAG is known to exist (a run id outside
/// `^[A-Za-z0-9_.~:+-]+$` or with another run type's prefix), is a 400 with Airflow's message (`checkRunSettings`).
///
/// `data_interval_start`, `data_interval_end` and `run_after` are accepted as `null` (their default) and refused
/// with 400 otherwise: runs here have no data interval and start as soon as they are created.
struct TriggerDagRunBody: Sendable, Equatable {
    static let fields: Set<String> = [
        "dag_run_id", "data_interval_start", "data_interval_end", "logical_date", "run_after", "conf", "note",
    ]
    /// Airflow's default `[scheduler] allowed_run_id_pattern`.
    static let runIdPattern = "^[A-Za-z0-9_.~:+-]+$"
    /// Run id prefixes Airflow reserves for the other run types.
    static let reservedPrefixes = ["backfill", "scheduled", "asset_triggered"]

    /// `nil`: the scheduler names the run.
    var dagRunId: String?
    var logicalDate: Date?
    var conf: [String: JSONValue]
    var note: String?
    /// Fields given that have no meaning here, refused by `checkRunSettings()`.
    var unsupported: [String]

    init(_ object: [String: JSONValue]) throws(HTTPProblem) {
        var fields = BodyFields(object, allowed: Self.fields)
        let runId = fields.string("dag_run_id")
        let intervalStart = fields.date("data_interval_start")
        let intervalEnd = fields.date("data_interval_end")
        fields.require("logical_date")
        logicalDate = fields.date("logical_date")
        let runAfter = fields.date("run_after", requireZone: false)
        conf = fields.dictionary("conf") ?? [:]
        note = fields.string("note")
        if fields.isValid, (intervalStart == nil) != (intervalEnd == nil) {
            fields.errors.add(
                ["body"],
                "Value error, Either both data_interval_start and data_interval_end must be provided or both must be None",
                type: "value_error")
        }
        try fields.validate()
        dagRunId = runId.flatMap { $0.isEmpty ? nil : $0 }  // Airflow names the run when the id is empty
        unsupported = [
            ("data_interval_start", intervalStart), ("data_interval_end", intervalEnd), ("run_after", runAfter),
        ].filter { $0.1 != nil }.map(\.0)
    }

    /// What Airflow refuses once the body has the right shape and the DAG exists (400): the fields without
    /// meaning here, a run id outside the allowed pattern, a run id with another run type's prefix.
    func checkRunSettings() throws(HTTPProblem) {
        if !unsupported.isEmpty {
            throw HTTPProblem(
                .badRequest,
                detail: "\(unsupported.joined(separator: ", ")) is not supported here: runs have no data interval "
                    + "and start as soon as they are created; omit the field or send null")
        }
        guard let id = dagRunId else { return }
        guard id.wholeMatch(of: /[A-Za-z0-9_.~:+\-]+/) != nil else {
            throw HTTPProblem(
                .badRequest, detail: "The run_id provided '\(id)' does not match regex pattern '\(Self.runIdPattern)'")
        }
        if let reserved = Self.reservedPrefixes.first(where: { id.hasPrefix($0 + "__") }) {
            throw HTTPProblem(
                .badRequest, detail: "A manual DAG run cannot use ID '\(id)' since it is reserved for \(reserved) runs")
        }
    }
}

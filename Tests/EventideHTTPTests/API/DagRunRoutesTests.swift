import Eventide
import Foundation
import Testing

@testable import EventideHTTP

/// `POST|GET /api/v2/dags/{dag_id}/dagRuns`, one run, and a run's upstream asset events.
@Suite(.timeLimit(.minutes(2)))
struct DagRunRoutesTests {
    @Test func triggeringCreatesTheRunWithItsConfAndAnswersAirflowsShape() async throws {
        let fixture = try await APIFixture.make("runs-trigger")
        let token = try await fixture.token("alice")
        let answer = try await fixture.withClient { client in
            try await client.send(
                .post, "/api/v2/dags/etl/dagRuns", token: token,
                body: #"""
                    {"dag_run_id": "order-42", "logical_date": "2026-11-30T13:00:00+01:00",
                     "conf": {"order_id": 42, "items": ["a", "b"]}, "note": "from the shop"}
                    """#)
        }
        #expect(answer.status == 200)
        let json = try #require(answer.json?.objectValue)
        #expect(json["dag_run_id"] == "order-42")
        #expect(json["dag_id"] == "etl")
        #expect(json["logical_date"] == "2026-11-30T12:00:00.000Z")
        #expect(json["run_type"] == "manual")
        #expect(json["state"] == "queued")
        #expect(json["conf"] == ["order_id": 42, "items": ["a", "b"]])
        #expect(json["note"] == "from the shop")
        #expect(json["start_date"] == .null && json["data_interval_start"] == .null)
        // Every field of Airflow's DAGRunResponse is there.
        let schema = OpenAPIDocument.schemas["DAGRunResponse"]
        let required = schema?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(!required.isEmpty && Set(json.keys) == Set(required))

        let stored = try #require(try await fixture.scheduler.run(DagRunRef(dagId: "etl", runId: "order-42")))
        #expect(stored.conf == ["order_id": 42, "items": ["a", "b"]])
        #expect(stored.logicalDate == Date(timeIntervalSince1970: 1_796_040_000))
        #expect(stored.note == "from the shop")
    }

    @Test func aNullLogicalDateAndNoRunIdMakeAGeneratedRun() async throws {
        let fixture = try await APIFixture.make("runs-null-date")
        let token = try await fixture.token("ada")
        let answer = try await fixture.withClient { client in
            try await client.send(.post, "/api/v2/dags/etl/dagRuns", token: token, body: #"{"logical_date": null}"#)
        }
        #expect(answer.status == 200)
        #expect(answer.json?["logical_date"] == .null)
        #expect(answer.json?["conf"] == [:])
        let runs = try await fixture.scheduler.runs(of: "etl")
        #expect(runs.map(\.runId) == [answer.json?["dag_run_id"]?.stringValue].compactMap { $0 })
    }

    @Test func shapeProblemsAre422ListingEveryOne() async throws {
        let fixture = try await APIFixture.make("runs-422")
        let token = try await fixture.token("alice")
        try await fixture.withClient { client in
            let post = { (body: String) in
                try await client.send(.post, "/api/v2/dags/etl/dagRuns", token: token, body: body)
            }
            let extra = try await post(#"{"logical_date": null, "dag_id": "etl", "priority": 1}"#)
            #expect(extra.status == 422)
            #expect(extra.validationTypes == ["extra_forbidden", "extra_forbidden"])
            #expect(extra.validationLocations == ["body.dag_id", "body.priority"])
            let missing = try await post(#"{"conf": {}}"#)
            #expect(missing.validationTypes == ["missing"])
            #expect(missing.validationLocations == ["body.logical_date"])
            // Airflow's conf is `dict | None`: a list or a string is a 422 dict_type, as pydantic answers.
            for conf in [#"[1, 2]"#, #""a""#, "3"] {
                let wrong = try await post(#"{"logical_date": null, "conf": \#(conf)}"#)
                #expect(wrong.status == 422)
                #expect(wrong.validationTypes == ["dict_type"])
            }
            let naive = try await post(#"{"logical_date": "2026-11-30T12:00:00"}"#)
            #expect(naive.validationTypes == ["timezone_aware"])
            let notADate = try await post(#"{"logical_date": "yesterday", "note": 5}"#)
            #expect(notADate.validationTypes == ["datetime_from_date_parsing", "string_type"])
            #expect(try await post(#"{"logical_date": "#).validationTypes == ["json_invalid"])
            #expect(try await post(#"[{"logical_date": null}]"#).validationTypes == ["model_attributes_type"])
            #expect(try await post("").validationTypes == ["missing"])
            let halfInterval = try await post(
                #"{"logical_date": "2026-11-30T12:00:00Z", "data_interval_start": "2026-11-29T12:00:00Z"}"#)
            #expect(halfInterval.validationTypes == ["value_error"])
        }
        #expect(try await fixture.scheduler.runs(of: "etl").isEmpty, "no refused request made a run")
    }

    @Test func theDagIsCheckedBeforeTheRunSettings() async throws {
        let fixture = try await APIFixture.make("runs-404-400")
        let token = try await fixture.token("alice")
        try await fixture.withClient { client in
            let unknown = try await client.send(
                .post, "/api/v2/dags/nope/dagRuns", token: token, body: #"{"logical_date": null, "dag_run_id": "a b"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.detail == "DAG with dag_id: 'nope' not found")
            for runId in ["a b", "scheduled__2026-01-01T00:00:00+00:00", "x/y"] {
                let refused = try await client.send(
                    .post, "/api/v2/dags/etl/dagRuns", token: token,
                    body: #"{"logical_date": null, "dag_run_id": "\#(runId)"}"#)
                #expect(refused.status == 400, "\(runId)")
            }
            let interval = try await client.send(
                .post, "/api/v2/dags/etl/dagRuns", token: token,
                body: #"{"logical_date": null, "run_after": "2026-11-30T12:00:00Z"}"#)
            #expect(interval.status == 400)
            let list = try await client.send(.get, "/api/v2/dags/nope/dagRuns", token: token)
            #expect(list.status == 404)
            #expect(list.detail == "The Dag with ID: `nope` was not found")
        }
        #expect(try await fixture.scheduler.runs(of: "etl").isEmpty)
    }

    @Test func aRepeatedRunIdOrLogicalDateIs409AndRecordsNothing() async throws {
        let fixture = try await APIFixture.make("runs-409")
        let token = try await fixture.token("alice")
        try await fixture.withClient { client in
            let post = { (body: String) in
                try await client.send(.post, "/api/v2/dags/etl/dagRuns", token: token, body: body)
            }
            #expect(try await post(#"{"dag_run_id": "r1", "logical_date": "2026-11-30T00:00:00Z"}"#).status == 200)
            let sameId = try await post(#"{"dag_run_id": "r1", "logical_date": null}"#)
            #expect(sameId.status == 409)
            #expect(sameId.detail?["reason"] == "Unique constraint violation")
            let sameDate = try await post(#"{"dag_run_id": "r2", "logical_date": "2026-11-30T01:00:00+01:00"}"#)
            #expect(sameDate.status == 409)
        }
        #expect(try await fixture.scheduler.runs(of: "etl").map(\.runId) == ["r1"])
    }

    @Test func runsAreListedPagedAndReadOneByOne() async throws {
        let fixture = try await APIFixture.make("runs-list")
        let token = try await fixture.token("victor")
        for index in 1...5 { try await fixture.scheduler.triggerRun("etl", runId: "run:\(index)") }
        try await fixture.scheduler.triggerRun("produce_orders", runId: "p1")
        try await fixture.withClient { client in
            let page = try await client.send(.get, "/api/v2/dags/etl/dagRuns?limit=2&offset=1", token: token)
            #expect(page.json?["total_entries"] == 5)
            #expect(
                page.json?["dag_runs"]?.arrayValue?.compactMap { $0["dag_run_id"]?.stringValue } == ["run:2", "run:3"])
            let all = try await client.send(.get, "/api/v2/dags/~/dagRuns", token: token)
            #expect(all.json?["total_entries"] == 6)
            let bad = try await client.send(.get, "/api/v2/dags/etl/dagRuns?limit=-1&offset=x", token: token)
            #expect(bad.status == 422)
            #expect(bad.validationTypes == ["greater_than_equal", "int_parsing"])
            // A run id with ':' sent percent-encoded, as clients do.
            let one = try await client.send(.get, "/api/v2/dags/etl/dagRuns/run%3A3", token: token)
            #expect(one.status == 200)
            #expect(one.json?["dag_run_id"] == "run:3")
            let missing = try await client.send(.get, "/api/v2/dags/etl/dagRuns/p1", token: token)
            #expect(missing.status == 404)
        }
    }

    @Test func upstreamAssetEventsAreTheEventsTheRunConsumed() async throws {
        let fixture = try await APIFixture.make("runs-upstream")
        let token = try await fixture.token("victor")
        let recorded = try await fixture.scheduler.recordAssetEvent(
            fixture.orders.key, extra: ["batch": 7], source: .api(messageId: nil))
        let ref = try #require(recorded.createdRuns.first { $0.dagId == "consume_orders" })
        let ordersId = try await fixture.assetId(fixture.orders)
        let answer = try await fixture.withClient { client in
            try await client.send(
                .get, "/api/v2/dags/consume_orders/dagRuns/\(ref.runId)/upstreamAssetEvents", token: token)
        }
        #expect(answer.status == 200)
        #expect(answer.json?["total_entries"] == 1)
        let event = try #require(answer.json?["asset_events"]?.arrayValue?.first)
        #expect(event["id"] == .number(Double(recorded.event.id)))
        #expect(event["asset_id"] == .number(Double(ordersId)))
        #expect(event["uri"] == "s3://lake/orders")
        #expect(event["extra"] == ["batch": 7])
        #expect(event["created_dagruns"]?.arrayValue?.compactMap { $0["run_id"]?.stringValue } == [ref.runId])
    }
}

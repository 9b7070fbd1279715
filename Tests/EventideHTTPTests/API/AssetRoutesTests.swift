import Eventide
import Foundation
import Testing

@testable import EventideHTTP

/// `GET /api/v2/assets`, `POST /api/v2/assets/events`, materialize, and the queued-event routes.
@Suite(.timeLimit(.minutes(2)))
struct AssetRoutesTests {
    @Test func assetsAreListedWithWhoUsesThemAndFilteredByPattern() async throws {
        let fixture = try await APIFixture.make("assets-list")
        let token = try await fixture.token("victor")
        let event = try await fixture.scheduler.recordAssetEvent(fixture.orders.key, source: .api(messageId: nil))
        try await fixture.withClient { client in
            let all = try await client.send(.get, "/api/v2/assets", token: token)
            #expect(all.status == 200)
            #expect(all.json?["total_entries"] == 4)
            let orders = try #require(all.json?["assets"]?.arrayValue?.first { $0["name"] == "orders" })
            #expect(
                orders["scheduled_dags"]?.arrayValue?.compactMap { $0["dag_id"]?.stringValue }
                    == ["consume_orders", "refund_report"])
            #expect(orders["producing_tasks"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue } == ["write"])
            #expect(orders["last_asset_event"]?["id"] == .number(Double(event.event.id)))
            let refunds = try #require(all.json?["assets"]?.arrayValue?.first { $0["name"] == "refunds" })
            #expect(
                refunds["consuming_tasks"]?.arrayValue?.compactMap { $0["dag_id"]?.stringValue } == ["consume_orders"])
            #expect(refunds["last_asset_event"] == .null)

            let lake = try await client.send(.get, "/api/v2/assets?uri_pattern=S3://LAKE/%25", token: token)
            #expect(lake.json?["total_entries"] == 3, "LIKE, any case: the three s3://lake assets")
            let one = try await client.send(.get, "/api/v2/assets?uri_pattern=l_dger&limit=1", token: token)
            #expect(one.json?["assets"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["ledger"])
            let paged = try await client.send(.get, "/api/v2/assets?limit=1&offset=3", token: token)
            #expect(paged.json?["assets"]?.arrayValue?.count == 1)
        }
    }

    @Test func anEventRecordedByIdUriOrNameQueuesAndTriggersInTheSameCommit() async throws {
        let fixture = try await APIFixture.make("assets-event")
        let token = try await fixture.token("alice")
        let ordersId = try await fixture.assetId(fixture.orders)
        try await fixture.withClient { client in
            let byId = try await client.send(
                .post, "/api/v2/assets/events", token: token,
                body: #"{"asset_id": \#(ordersId), "extra": {"batch": 1}}"#)
            #expect(byId.status == 200)
            #expect(byId.json?["asset_id"] == .number(Double(ordersId)))
            #expect(byId.json?["extra"] == ["batch": 1, "from_rest_api": true])
            // consume_orders (on orders) ran; refund_report (orders & refunds) waits for refunds.
            #expect(
                byId.json?["created_dagruns"]?.arrayValue?.compactMap { $0["dag_id"]?.stringValue } == [
                    "consume_orders"
                ])
            let byUri = try await client.send(
                .post, "/api/v2/assets/events", token: token, body: #"{"uri": "s3://lake/refunds"}"#)
            #expect(byUri.status == 200)
            #expect(
                byUri.json?["created_dagruns"]?.arrayValue?.compactMap { $0["dag_id"]?.stringValue } == [
                    "refund_report"
                ])
            let byName = try await client.send(
                .post, "/api/v2/assets/events", token: token, body: #"{"name": "archive"}"#)
            #expect(byName.status == 200)
            #expect(byName.json?["uri"] == "file:///archive/daily")
        }
        let events = try await fixture.scheduler.allAssetEvents()
        #expect(events.map(\.asset.name) == ["orders", "refunds", "archive"])
        #expect(events.allSatisfy { $0.extra["from_rest_api"] == true && $0.source == .api(messageId: nil) })
        #expect(try await fixture.scheduler.runs(of: "refund_report").count == 1)
    }

    @Test func addressingProblemsAndUnknownAssetsAreRefusedWithoutRecording() async throws {
        let fixture = try await APIFixture.make("assets-refusals")
        let token = try await fixture.token("alice")
        let viewer = try await fixture.token("victor")
        try await fixture.withClient { client in
            let post = { (body: String) in
                try await client.send(.post, "/api/v2/assets/events", token: token, body: body)
            }
            #expect(try await post(#"{"extra": {}}"#).validationTypes == ["value_error"])
            #expect(try await post(#"{"asset_id": 1, "uri": "s3://lake/orders"}"#).validationTypes == ["value_error"])
            #expect(try await post(#"{"asset_id": "one"}"#).validationTypes == ["int_type"])
            #expect(try await post(#"{"asset_id": 1, "extra": null}"#).validationTypes == ["dict_type"])
            #expect(try await post(#"{"asset_id": 1, "extra": [1]}"#).validationTypes == ["dict_type"])
            #expect(try await post(#"{"asset_id": 1, "source": "x"}"#).validationTypes == ["extra_forbidden"])
            let unknown = try await post(#"{"asset_id": 999}"#)
            #expect(unknown.status == 404)
            #expect(unknown.detail == "Asset with ID: `999` was not found")
            #expect(try await post(#"{"uri": "s3://lake/nothing"}"#).status == 404)
            let viewerPost = try await client.send(
                .post, "/api/v2/assets/events", token: viewer, body: #"{"name": "orders"}"#)
            #expect(viewerPost.status == 403)
        }
        #expect(try await fixture.scheduler.allAssetEvents().isEmpty)
    }

    @Test func aBodyOverTheLimitIs413BeforeAnythingIsRecorded() async throws {
        let fixture = try await APIFixture.make("assets-413")
        let token = try await fixture.token("alice")
        let big = String(repeating: "x", count: (1 << 20) + 1)
        let answer = try await fixture.withClient { client in
            try await client.send(
                .post, "/api/v2/assets/events", token: token, body: #"{"name": "orders", "extra": {"blob": "\#(big)"}}"#
            )
        }
        #expect(answer.status == 413)
        #expect(try await fixture.scheduler.allAssetEvents().isEmpty)
    }

    @Test func materializeTriggersTheOneProducer() async throws {
        let fixture = try await APIFixture.make("assets-materialize")
        let token = try await fixture.token("alice")
        let orders = try await fixture.assetId(fixture.orders)
        let ledger = try await fixture.assetId(fixture.ledger)
        let archive = try await fixture.assetId(fixture.archive)
        try await fixture.withClient { client in
            let made = try await client.send(.post, "/api/v2/assets/\(orders)/materialize", token: token)
            #expect(made.status == 200)
            #expect(made.json?["dag_id"] == "produce_orders")
            #expect(made.json?["run_type"] == "manual")
            #expect(try await client.send(.post, "/api/v2/assets/\(ledger)/materialize", token: token).status == 409)
            #expect(try await client.send(.post, "/api/v2/assets/\(archive)/materialize", token: token).status == 404)
            #expect(try await client.send(.post, "/api/v2/assets/999/materialize", token: token).status == 404)
            let notANumber = try await client.send(.post, "/api/v2/assets/orders/materialize", token: token)
            #expect(notANumber.validationTypes == ["int_parsing"])
        }
        #expect(try await fixture.scheduler.runs(of: "produce_orders").count == 1)
        #expect(try await fixture.scheduler.runs(of: "ledger_a").isEmpty)
        #expect(try await fixture.scheduler.runs(of: "ledger_b").isEmpty)
    }

    @Test func queuedEventsAreListedPerAssetAndPerDagAndCleared() async throws {
        let fixture = try await APIFixture.make("assets-queue")
        let token = try await fixture.token("alice")
        let first = try await fixture.scheduler.recordAssetEvent(fixture.orders.key, source: .api(messageId: nil))
        try await fixture.scheduler.recordAssetEvent(fixture.orders.key, source: .api(messageId: nil))
        let orders = try await fixture.assetId(fixture.orders)
        try await fixture.withClient { client in
            // Two orders events wait for refund_report: one entry (Airflow's queue is per DAG and asset), stamped
            // with the first.
            let perDag = try await client.send(.get, "/api/v2/dags/refund_report/assets/queuedEvents", token: token)
            #expect(perDag.json?["total_entries"] == 1)
            let entry = try #require(perDag.json?["queued_events"]?.arrayValue?.first)
            #expect(entry["asset_id"] == .number(Double(orders)))
            #expect(entry["created_at"] == .string(AirflowDate.format(first.event.timestamp)))
            let perAsset = try await client.send(.get, "/api/v2/assets/\(orders)/queuedEvents", token: token)
            #expect(
                perAsset.json?["queued_events"]?.arrayValue?.compactMap { $0["dag_id"]?.stringValue } == [
                    "refund_report"
                ])
            let early = try await client.send(
                .get, "/api/v2/assets/\(orders)/queuedEvents?before=2000-01-01T00:00:00Z", token: token)
            #expect(early.json?["total_entries"] == 0)
            #expect(
                try await client.send(.get, "/api/v2/assets/1/queuedEvents?before=soon", token: token).status == 400)
            #expect(
                try await client.send(.get, "/api/v2/dags/nope/assets/queuedEvents", token: token).json?[
                    "total_entries"] == 0)

            #expect(
                try await client.send(.delete, "/api/v2/dags/refund_report/assets/queuedEvents", token: token).status
                    == 204)
            #expect(
                try await client.send(.delete, "/api/v2/dags/refund_report/assets/queuedEvents", token: token).status
                    == 404)
            #expect(try await client.send(.delete, "/api/v2/assets/\(orders)/queuedEvents", token: token).status == 404)
            #expect(try await client.send(.delete, "/api/v2/dags/nope/assets/queuedEvents", token: token).status == 404)
        }
        #expect(try await fixture.scheduler.queuedEvents(dagId: "refund_report").isEmpty)
        #expect(try await fixture.scheduler.allAssetEvents().count == 2, "the events stay recorded")
    }

    @Test func healthAnswersWithoutAToken() async throws {
        let fixture = try await APIFixture.make("assets-health")
        let answer = try await fixture.withClient { client in try await client.send(.get, "/api/v2/monitor/health") }
        #expect(answer.status == 200)
        #expect(answer.json?["metadatabase"]?["status"] == "healthy")
        #expect(answer.json?["scheduler"]?["status"] == "healthy")
        #expect(answer.json?["triggerer"]?["status"] == .null)
    }

    @Test func likePatternsMatchAsSQLILikeDoes() {
        #expect(LikePattern("lake").matches("s3://LAKE/orders"))
        #expect(LikePattern("s3://%/orders").matches("s3://lake/orders"))
        #expect(!LikePattern("s3://_/orders").matches("s3://lake/orders"))
        #expect(LikePattern("l_ke").matches("lake"))
        #expect(LikePattern("~").matches("anything"))
        #expect(LikePattern("").matches(""))
        #expect(!LikePattern("orders!").matches("orders"))
    }
}

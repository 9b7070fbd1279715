import Eventide
import Foundation
import Testing

@Suite(
    "Task-argument templates: Airflow's context and syntax, strict on missing and malformed data",
    .timeLimit(.minutes(1)))
struct TemplatingTests {
    let orders = try! Asset(name: "orders", uri: "s3://lake/orders")

    func event(_ id: Int64, payload: JSONValue) -> AssetEvent {
        AssetEvent(
            id: id, asset: orders.key, extra: ["from_trigger": true, "payload": payload],
            source: .watcher(name: "orders_watcher", messageId: "m\(id)"), alias: nil,
            timestamp: Date(timeIntervalSince1970: 1_000 + Double(id)))
    }

    func context(_ payloads: JSONValue..., conf: JSONValue = [:], params: [String: JSONValue] = [:]) -> TemplateContext
    {
        TemplateContext(
            dagId: "load_orders", runId: "asset_run_1", taskId: "load", tryNumber: 2,
            logicalDate: Date(timeIntervalSince1970: 86_400 * 3), conf: conf, params: params,
            triggeringAssetEvents: payloads.enumerated().map { event(Int64($0 + 1), payload: $1) },
            upstreamValues: ["extract": ["rows": 42]], variables: ["asset": .string(orders.uri)])
    }

    @Test("Airflow's triggering_asset_events[asset][0].extra.payload.key, by a variable, the URI or the name")
    func airflowSyntax() throws {
        let context = context(["key": "a.csv"], ["key": "b.csv"])
        #expect(
            try TaskTemplate("{{ triggering_asset_events[asset][0].extra.payload.key }}").render(in: context) == "a.csv"
        )
        #expect(
            try TaskTemplate("{{ triggering_asset_events['s3://lake/orders'][1].extra.payload.key }}").render(
                in: context) == "b.csv")
        #expect(
            try TaskTemplate("{{ triggering_asset_events.orders.last.extra.payload.key }}").render(in: context)
                == "b.csv")
        #expect(try TaskTemplate("{{ triggering_asset_events[asset][-1].message_id }}").render(in: context) == "m2")
        #expect(try TaskTemplate("{{ triggering_asset_events[asset].count }}").value(in: context) == 2)
    }

    @Test("the context: task instance, logical date and ds, conf, params overridden by conf, xcom")
    func contextNames() throws {
        let context = context(conf: ["limit": 5], params: ["limit": 1, "region": "eu"])
        let text = try TaskTemplate(
            "{{ dag_id }}/{{ run_id }}/{{ task_id }}#{{ try_number }} {{ ds }} {{ params.limit }} {{ params.region }} "
                + "{{ conf.limit }} {{ xcom.extract.rows }}"
        ).render(in: context)
        #expect(text == "load_orders/asset_run_1/load#2 1970-01-04 5 eu 5 42")
        #expect(
            try TaskTemplate("{{ logical_date }}").value(in: context)
                == .string(EventTime.format(Date(timeIntervalSince1970: 86_400 * 3))))
    }

    @Test("a template that is one expression keeps the value's JSON type; mixed with text it is a string")
    func nativeValues() throws {
        let context = context(["amount": 42.5, "customer": ["id": "c1"], "tags": ["a", "b"], "note": nil])
        let base = "triggering_asset_events[asset][0].extra.payload"
        #expect(try TaskTemplate("{{ \(base).amount }}").value(in: context) == 42.5)
        #expect(try TaskTemplate(" {{ \(base).customer }} ").value(in: context) == ["id": "c1"])
        #expect(try TaskTemplate("{{ \(base).tags }}").value(in: context) == ["a", "b"])
        #expect(try TaskTemplate("{{ \(base).note }}").value(in: context) == .null)
        #expect(try TaskTemplate("total={{ \(base).amount }}").value(in: context) == "total=42.5")
        #expect(try TaskTemplate("{{ \(base).customer }}").render(in: context) == #"{"id":"c1"}"#)
    }

    @Test("a missing key fails naming the full path and the keys there are")
    func missingKey() throws {
        let context = context(["key": "a.csv", "size": 10])
        #expect(
            throws: TemplateError.missingKey(
                path: "triggering_asset_events['s3://lake/orders'][0].extra.payload.bucket", available: ["key", "size"])
        ) {
            try TaskTemplate("s3://{{ triggering_asset_events[asset][0].extra.payload.bucket }}/x").render(in: context)
        }
    }

    @Test("a missing key deeper than a missing one reports the first missing key")
    func firstMissingReported() throws {
        #expect(throws: TemplateError.missingKey(path: "conf.a", available: [])) {
            try TaskTemplate("{{ conf.a.b.c }}").render(in: context())
        }
    }

    @Test("a payload that is not an object (malformed) fails naming the path and what it is")
    func malformedPayload() throws {
        let context = context("not an object")
        #expect(
            throws: TemplateError.notAContainer(
                path: "triggering_asset_events['s3://lake/orders'][0].extra.payload", found: .string, key: "key")
        ) {
            try TaskTemplate("{{ triggering_asset_events[asset][0].extra.payload.key }}").render(in: context)
        }
    }

    @Test("no such event: an index out of range names the path and the count")
    func indexOutOfRange() throws {
        #expect(throws: TemplateError.indexOutOfRange(path: "triggering_asset_events['s3://lake/orders'][3]", count: 1))
        {
            try TaskTemplate("{{ triggering_asset_events[asset][3].extra }}").render(in: context(["key": "a"]))
        }
    }

    @Test("| default: replaces a missing field, a null and a malformed payload's field, not a present value")
    func defaults() throws {
        let base = "triggering_asset_events[asset][0].extra.payload"
        let withTier = context(["tier": "gold", "note": nil])
        #expect(try TaskTemplate(#"{{ \#(base).tier | default:"standard" }}"#).render(in: withTier) == "gold")
        #expect(try TaskTemplate(#"{{ \#(base).missing | default:"standard" }}"#).render(in: withTier) == "standard")
        #expect(try TaskTemplate(#"{{ \#(base).note | default:"none" }}"#).render(in: withTier) == "none")
        #expect(try TaskTemplate(#"{{ \#(base).tier | default:"x" }}"#).render(in: context("malformed")) == "x")
        #expect(try TaskTemplate(#"{{ \#(base).n | default:7 }}"#).value(in: withTier) == 7)
    }

    @Test("a default that is itself missing fails naming its path")
    func missingDefault() throws {
        #expect(throws: TemplateError.missingKey(path: "conf.fallback", available: [])) {
            try TaskTemplate("{{ conf.value | default:conf.fallback }}").render(in: context())
        }
    }

    @Test("an undefined variable fails naming it, at the root and as a subscript")
    func undefinedNames() throws {
        #expect(throws: TemplateError.undefined(name: "triggring_asset_events")) {
            try TaskTemplate("{{ triggring_asset_events }}").render(in: context())
        }
        #expect(throws: TemplateError.undefined(name: "asst")) {
            try TaskTemplate("{{ triggering_asset_events[asst][0] }}").render(in: context(["k": 1]))
        }
    }

    @Test("| fromjson parses JSON text in a field; text that is not JSON fails naming the path")
    func fromJSON() throws {
        let context = context(["Message": #"{"order_id":"A-1"}"#, "Broken": "{not json", "Count": 3])
        let base = "triggering_asset_events[asset][0].extra.payload"
        #expect(try TaskTemplate("{{ \(base).Message | fromjson }}").value(in: context) == ["order_id": "A-1"])
        do {
            _ = try TaskTemplate("{{ \(base).Broken | fromjson }}").render(in: context)
            Issue.record("rendered text that is not JSON")
        } catch {
            guard case .malformedJSON(let path, _) = error else { throw error }
            #expect(path == "triggering_asset_events['s3://lake/orders'][0].extra.payload.Broken | fromjson")
        }
        #expect(
            throws: TemplateError.wrongType(
                path: "triggering_asset_events['s3://lake/orders'][0].extra.payload.Count | fromjson",
                expected: .string,
                found: .number)
        ) {
            try TaskTemplate("{{ \(base).Count | fromjson }}").render(in: context)
        }
    }

    @Test("Stencil's tags work on the context: for over events, if on a field (a missing field is false)")
    func tags() throws {
        let context = context(["key": "a.csv"], ["key": "b.csv", "urgent": true])
        let keys = "{% for e in triggering_asset_events[asset] %}{{ e.extra.payload.key }};{% endfor %}"
        #expect(try TaskTemplate(keys).render(in: context) == "a.csv;b.csv;")
        let urgent =
            "{% for e in triggering_asset_events[asset] %}{% if e.extra.payload.urgent %}!{% else %}.{% endif %}{% endfor %}"
        #expect(try TaskTemplate(urgent).render(in: context) == ".!")
        #expect(try TaskTemplate("{% if ds == '1970-01-04' %}day{% endif %}").render(in: context) == "day")
    }

    @Test("a template that does not parse is refused as invalid")
    func invalidTemplate() throws {
        #expect {
            try TaskTemplate("{{ conf | no_such_filter }}").render(in: context())
        } throws: { error in
            if case .invalidTemplate? = error as? TemplateError { true } else { false }
        }
    }

    @Test("arguments render in name order; typed accessors fail naming the argument")
    func arguments() throws {
        let context = context(["order_id": "A-1", "amount": 42.5, "qty": "3"])
        let base = "triggering_asset_events[asset][0].extra.payload"
        let arguments = try TemplatedArguments.render(
            ["order": "{{ \(base).order_id }}", "amount": "{{ \(base).amount }}", "qty": "{{ \(base).qty }}"],
            in: context)
        #expect(try arguments.string("order") == "A-1")
        #expect(try arguments.number("amount") == 42.5)
        #expect(try arguments.int("qty") == 3)
        #expect(
            throws: TemplateError.argument(
                name: "order", error: .wrongType(path: "order", expected: .number, found: .string))
        ) {
            try arguments.int("order")
        }
        #expect(throws: TemplateError.missingArgument(name: "nope")) { try arguments.string("nope") }
        #expect(throws: TemplateError.argument(name: "a", error: .missingKey(path: "conf.x", available: []))) {
            try TemplatedArguments.render(["b": "{{ conf.y }}", "a": "{{ conf.x }}"], in: context)
        }
    }
}

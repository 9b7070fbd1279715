import Eventide
import Foundation

/// 95.4.5 — commands and queries apart: command DAGs validate a command and write its events to the event store;
/// projections keep materialized views of those events; query DAGs read only the views, in one snapshot each.
// Longer than one screen: the write side (events, command DAGs), the read side (two projections) and the query
// DAG are the pattern together; each is short.
enum CQRSIntegration {
    // [START commands]
    struct Line: Codable, Sendable, Hashable {
        let sku: String
        let quantity: Int
    }
    /// The command `place_order` runs with as its conf.
    struct PlaceOrder: Codable, Sendable, Hashable {
        let orderId: String
        let customer: String
        let lines: [Line]
    }
    struct Placed: Codable { let customer: String; let lineCount: Int }
    struct LineAdded: Codable { let sku: String; let quantity: Int; let amount: Int }

    static let prices = ["apple": 3, "bread": 4, "cheese": 12, "coffee": 9]

    /// The command's rules, on the command alone (no read model: the write side decides on its own data).
    static func validate(_ command: PlaceOrder) throws(OrderError) -> PlaceOrder {
        guard !command.orderId.isEmpty, !command.customer.isEmpty else { throw .missingField }
        guard !command.lines.isEmpty else { throw .noLines(orderId: command.orderId) }
        for line in command.lines {
            guard prices[line.sku] != nil else { throw .unknownSku(line.sku) }
            guard line.quantity > 0 else { throw .nonPositiveQuantity(sku: line.sku, quantity: line.quantity) }
        }
        return command
    }

    /// The command DAG: validate, then write the order's events in one append (all of them or none).
    static func placeOrderDag(store: EventStore) throws -> DAG {
        try DAG(
            "place_order",
            tasks: [
                TaskDefinition("validate") { context in
                    TaskOutput(value: try json(validate(try decode(PlaceOrder.self, context.conf))))
                },
                TaskDefinition("write_events", upstream: ["validate"]) { context in
                    let order = try decode(PlaceOrder.self, context.upstreamValues["validate"] ?? .null)
                    let metadata = EventMetadata(actor: order.customer, commandId: context.runId)
                    let events =
                        try [
                            NewEvent(
                                type: "order.placed",
                                encoding: Placed(customer: order.customer, lineCount: order.lines.count),
                                metadata: metadata)
                        ]
                        + order.lines.map { line in
                            try NewEvent(
                                type: "order.line_added",
                                encoding: LineAdded(
                                    sku: line.sku, quantity: line.quantity,
                                    amount: line.quantity * (prices[line.sku] ?? 0)), metadata: metadata)
                        }
                    let recorded = try await store.append(
                        events, to: "order-\(order.orderId)", expectedVersion: .noStream)
                    return TaskOutput(value: [
                        "first": .number(Double(recorded.first?.position ?? 0)),
                        "last": .number(Double(recorded.last?.position ?? 0)),
                    ])
                },
            ])
    }
    // [END commands]

    // [START projections]
    /// One document per order. `linesApplied` < `lineCount` would be an order seen half-applied.
    struct OrderSummary: Codable, Sendable, Hashable {
        var customer: String
        var lineCount: Int
        var linesApplied = 0
        var total = 0
    }
    struct OrderSummaries: Projection {
        var name = "order_summaries"
        func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws {
            switch event.type {
            case "order.placed":
                let placed = try event.decode(Placed.self)
                try view.put(OrderSummary(customer: placed.customer, lineCount: placed.lineCount), at: event.stream)
            case "order.line_added":
                var summary =
                    try view.document(event.stream, as: OrderSummary.self) ?? OrderSummary(customer: "", lineCount: 0)
                summary.linesApplied += 1
                summary.total += try event.decode(LineAdded.self).amount
                try view.put(summary, at: event.stream)
            default: break
            }
        }
    }

    /// One document per customer: orders and revenue.
    struct CustomerTotal: Codable, Sendable, Hashable {
        var orders = 0
        var revenue = 0
    }
    struct CustomerTotals: Projection {
        var name = "customer_totals"
        func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws {
            guard let customer = event.metadata.actor else { return }
            var total = try view.document(customer, as: CustomerTotal.self) ?? CustomerTotal()
            if event.type == "order.placed" { total.orders += 1 }
            if event.type == "order.line_added" { total.revenue += try event.decode(LineAdded.self).amount }
            try view.put(total, at: customer)
        }
    }
    // [END projections]

    // [START queries]
    /// What `customer_report` answers, from one snapshot of the two views.
    struct CustomerReport: Codable, Sendable, Hashable {
        let customer: String
        let total: CustomerTotal
        let orders: [String: OrderSummary]
        /// The event positions each view includes: the report is exactly as fresh as these.
        let summariesAsOf: Int64
        let totalsAsOf: Int64
    }

    static func customerReport(_ customer: String, database: EventideDatabase) async throws -> CustomerReport {
        let summaries = ReadModel(database: database, view: OrderSummaries().name)
        return try await summaries.read { view in
            let totals = view.view(CustomerTotals().name)
            return CustomerReport(
                customer: customer, total: try totals.document(customer, as: CustomerTotal.self) ?? CustomerTotal(),
                orders: try view.documents(as: OrderSummary.self).filter { $0.value.customer == customer },
                summariesAsOf: try view.checkpoint(), totalsAsOf: try totals.checkpoint())
        }
    }

    /// The query DAG: reads the views, never the event store.
    static func customerReportDag(database: EventideDatabase) throws -> DAG {
        try DAG(
            "customer_report",
            tasks: [
                TaskDefinition("query") { context in
                    let customer = context.conf["customer"]?.stringValue ?? ""
                    return TaskOutput(value: try json(try await customerReport(customer, database: database)))
                }
            ])
    }
    // [END queries]
}

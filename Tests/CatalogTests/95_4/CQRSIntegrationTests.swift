import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_04_05_cqrs_integration

@Suite("95.4.5 CQRS Integration", .timeLimit(.minutes(5)))
struct CQRSIntegrationTests {
    typealias CQRS = CQRSIntegration

    func run(
        _ configuration: CQRS.Configuration = .init(burst: 20), database: EventideDatabase? = nil
    ) async throws -> CQRS.Outcome {
        try await CQRS.run(configuration, database: database ?? TemporaryDatabase.make("95_04_05")).outcome
    }

    /// Orders and revenue per customer, worked out from the commands themselves (not from any view).
    func expected(_ orders: [CQRS.PlaceOrder]) -> [String: CQRS.CustomerTotal] {
        orders.reduce(into: [:]) { totals, order in
            totals[order.customer, default: .init()].orders += 1
            totals[order.customer, default: .init()].revenue += order.lines.reduce(0) {
                $0 + $1.quantity * (CQRS.prices[$1.sku] ?? 0)
            }
        }
    }

    @Test("95.4.5/1 command DAGs validate and write events: one append per order, none for a refused command")
    func commandDags() async throws {
        let database = try TemporaryDatabase.make("95_04_05")
        let outcome = try await run(database: database)
        let store = EventStore(database: database)
        let written = outcome.commands.filter { $0.runState == .success }
        #expect(written.count == 6)
        for command in written {
            let events = try await store.read(stream: "order-\(command.command.orderId)")
            #expect(events.map(\.type) == ["order.placed"] + command.command.lines.map { _ in "order.line_added" })
            #expect(
                events.map(\.position)
                    == Array(try #require(command.firstPosition)...(try #require(command.lastPosition))))
            #expect(Set(events.map(\.commitPosition)).count == 1, "one append per command")
        }
        let refused = try #require(outcome.commands.last)
        #expect(refused.runState == .failed && refused.validate == .failed && refused.writeEvents == .upstreamFailed)
        #expect(refused.firstPosition == nil)
        #expect(try await store.version(of: "order-\(refused.command.orderId)") == 0)
        #expect(throws: OrderError.unknownSku("caviar")) { try CQRS.validate(refused.command) }
        #expect(throws: OrderError.noLines(orderId: "x")) {
            try CQRS.validate(.init(orderId: "x", customer: "ada", lines: []))
        }
        #expect(throws: OrderError.nonPositiveQuantity(sku: "apple", quantity: 0)) {
            try CQRS.validate(.init(orderId: "x", customer: "ada", lines: [.init(sku: "apple", quantity: 0)]))
        }
    }

    @Test("95.4.5/2 query DAGs read the materialized views: the reports equal what the commands imply, as of the head")
    func queryDags() async throws {
        let outcome = try await run()
        let valid = outcome.commands.filter { $0.runState == .success }.map(\.command)
        let totals = expected(valid)
        #expect(outcome.reports.map(\.customer) == CQRS.customers)
        for report in outcome.reports {
            #expect(report.total == totals[report.customer] ?? .init())
            #expect(report.orders.count == report.total.orders)
            #expect(report.summariesAsOf == outcome.headBeforeBurst && report.totalsAsOf == outcome.headBeforeBurst)
            #expect(report.orders.values.reduce(0) { $0 + $1.total } == report.total.revenue)
        }
    }

    @Test("95.4.5/3 event synchronization: after a burst the views catch up with every event; the lag is measured")
    func synchronization() async throws {
        let outcome = try await run(.init(burst: 30))
        #expect(outcome.burst.commands == 30)
        #expect(outcome.head == outcome.headBeforeBurst + outcome.burst.events)
        #expect(outcome.burst.lagAtLastCommit.head <= outcome.head)
        #expect(
            outcome.burst.lagAtLastCommit.eventsBehind == outcome.burst.lagAtLastCommit.head
                - outcome.burst.lagAtLastCommit.checkpoint)
        #expect(outcome.burst.caughtUpAfterMilliseconds >= 0)
        #expect(outcome.finalReports.allSatisfy { $0.summariesAsOf == outcome.head && $0.totalsAsOf == outcome.head })
        #expect(outcome.finalReports.reduce(0) { $0 + $1.total.orders } == 6 + 30)
    }

    @Test("95.4.5/4 view materialization: each view rebuilt from zero equals the one kept incrementally")
    func materialization() async throws {
        let outcome = try await run()
        try #require(outcome.rebuilds.count == 2)
        #expect(outcome.rebuilds.allSatisfy { $0.equalsIncremental && $0.events == Int(outcome.head) })
        #expect(outcome.rebuilds.map(\.documents) == [6 + 20, 3])
    }

    @Test("95.4.5/expected a query never reads a half-applied command, even with batches of one event")
    func neverHalfApplied() async throws {
        let database = try TemporaryDatabase.make("95_04_05")
        let outcome = try await run(database: database)
        #expect(outcome.burst.reads > 0)
        #expect(outcome.burst.halfAppliedReads == 0)
        // Deterministically: step a fresh runner one batch at a time over the store; after every commit each
        // order in the view has all its lines.
        let runner = try ProjectionRunner(
            CQRS.OrderSummaries(name: "stepped"), store: EventStore(database: database), batchSize: 1)
        var batches = 0
        while true {
            let batch = try await runner.applyNextBatch()
            if batch.events.isEmpty { break }
            batches += 1
            #expect(Set(batch.events.map(\.commitPosition)).count == 1, "a batch is one whole append")
            let views = try await runner.readModel.read { try $0.documents(as: CQRS.OrderSummary.self) }
            #expect(views.values.allSatisfy { $0.linesApplied == $0.lineCount })
        }
        #expect(batches == 6 + 20)
    }

    @Test("95.4.5/expected a used --db is refused; --help, --json and a bad flag on the command line")
    func commandLine() async throws {
        let database = try TemporaryDatabase.make("95_04_05")
        let outcome = try await run(database: database)
        await #expect(throws: CQRS.ScenarioError.storeNotEmpty(path: database.path, events: outcome.head)) {
            _ = try await self.run(database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_04_05_cqrs_integration", item: "95.4.5", badArguments: ["--burst", "0"], expectInError: "--burst")
        #expect((cli["rebuilds"] as? [Any])?.count == 2)
    }
}

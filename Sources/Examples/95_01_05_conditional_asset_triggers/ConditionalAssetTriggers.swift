import Eventide

/// 95.1.5 — when the asset condition holds, a gate task decides whether the run should do anything: it
/// validates the triggering events, filters them, and skips the run (with the reason) when nothing is left;
/// a skipped run publishes nothing, so nothing downstream is triggered.
enum ConditionalAssetTriggers {
    // [START gate]
    /// What an orders event's extra must hold before the gate looks at its values.
    static let ordersSchema = ExtraSchema(
        name: "orders_update", version: 1,
        fields: [
            .init("region", .string), .init("row_count", .integer),
        ])

    /// Validates one orders event, then filters it by region.
    static func assess(_ event: AssetEvent, region: String) -> Verdict {
        let problems = ordersSchema.violations(of: event.extra)
        guard problems.isEmpty else { return Verdict(eventId: event.id, kind: .invalid, reason: .schema(problems)) }
        let eventRegion = event.extra["region"]?.stringValue ?? ""
        guard eventRegion == region else {
            return Verdict(eventId: event.id, kind: .filtered, reason: .region(eventRegion))
        }
        let rows = event.extra["row_count"]?.exactIntegerValue ?? 0
        guard rows > 0 else { return Verdict(eventId: event.id, kind: .invalid, reason: .rowsNotPositive(rows)) }
        return Verdict(eventId: event.id, kind: .accepted, reason: nil)
    }

    /// A manual override with a reason proceeds; otherwise each orders event is validated and filtered by
    /// region, and the run proceeds with the accepted ones, or is skipped when none is left.
    static func decide(_ events: [AssetEvent], region: String, orders: AssetKey, manual: AssetKey) -> GateDecision {
        if let override = events.last(where: { $0.asset == manual }) {
            guard let why = override.extra["reason"]?.stringValue, !why.isEmpty else {
                return .overrideWithoutReason(eventId: override.id)
            }
            return .override(eventId: override.id, reason: why)
        }
        let verdicts = events.filter { $0.asset == orders }.map { assess($0, region: region) }
        let anyAccepted = verdicts.contains { $0.kind == .accepted }
        return anyAccepted ? .accepted(verdicts) : .nothingAccepted(verdicts, region: region)
    }
    // [END gate]

    // [START dags]
    static let dagId = "build_report"

    /// gate → build → publish (outlet `report`), scheduled on `condition`. A "no" from the gate is
    /// `TaskSkipped` with the reason: build and publish are skipped, no report event, nothing downstream runs.
    /// `onDecision` sees each decision as the gate makes it.
    static func buildReport(
        on condition: AssetCondition, orders: Asset, manual: Asset, report: Asset, region: String,
        onDecision: @escaping @Sendable (DagRunRef, GateDecision) -> Void = { _, _ in }
    ) throws -> DAG {
        try DAG(
            dagId, schedule: .on(condition),
            tasks: [
                TaskDefinition("gate") { context in
                    let decision = decide(
                        context.triggeringAssetEvents, region: region, orders: orders.key,
                        manual: manual.key)
                    onDecision(context.runRef, decision)
                    guard decision.proceeds else { throw TaskSkipped(decision.description) }
                    return TaskOutput(value: ["accepted": .array(decision.accepted.map { .number(Double($0)) })])
                },
                TaskDefinition("build", upstream: ["gate"]) { context in
                    TaskOutput(value: ["events": context.upstreamValues["gate"]?["accepted"] ?? []])
                },
                TaskDefinition("publish", upstream: ["build"], outlets: [report]) { context in
                    TaskOutput(outletExtra: [report.key: ["events": context.upstreamValues["build"]?["events"] ?? []]])
                },
            ])
    }

    /// Runs on every published report, and only then.
    static func notify(on report: Asset) throws -> DAG {
        try DAG("notify", schedule: .on([report]), tasks: [TaskDefinition("send") { _ in .none }])
    }
    // [END dags]

    /// The gate's verdict on one triggering orders event.
    struct Verdict: Codable, Sendable, Hashable, CustomStringConvertible {
        enum Kind: String, Codable, Sendable { case accepted, filtered, invalid }
        enum Reason: Codable, Sendable, Hashable, CustomStringConvertible {
            /// The extra breaks `ordersSchema` (each violation as the schema words it).
            case schema([String])
            /// A valid event of another region.
            case region(String)
            case rowsNotPositive(Int)

            var description: String {
                switch self {
                case .schema(let problems): problems.joined(separator: "; ")
                case .region(let region): "region \(region)"
                case .rowsNotPositive(let rows): "row_count \(rows) is not positive"
                }
            }
        }

        let eventId: Int64
        let kind: Kind
        let reason: Reason?

        var description: String { "#\(eventId) \(kind.rawValue)" + (reason.map { " (\($0))" } ?? "") }
    }

    /// What the gate decided for one run.
    enum GateDecision: Codable, Sendable, Hashable, CustomStringConvertible {
        /// A manual override that says why: proceed whatever the orders look like.
        case override(eventId: Int64, reason: String)
        /// An override must say why: skipped.
        case overrideWithoutReason(eventId: Int64)
        /// At least one orders event accepted: proceed with those (the verdicts of all of them).
        case accepted([Verdict])
        /// No orders event accepted: skipped.
        case nothingAccepted([Verdict], region: String)

        var proceeds: Bool {
            switch self {
            case .override, .accepted: true
            case .overrideWithoutReason, .nothingAccepted: false
            }
        }

        /// The events the run goes on with.
        var accepted: [Int64] {
            switch self {
            case .override(let eventId, _): [eventId]
            case .accepted(let verdicts): verdicts.filter { $0.kind == .accepted }.map(\.eventId)
            case .overrideWithoutReason, .nothingAccepted: []
            }
        }

        var description: String {
            switch self {
            case .override(let eventId, let reason): "manual override #\(eventId): \(reason)"
            case .overrideWithoutReason(let eventId):
                "manual override #\(eventId) carries no reason; an override must say why"
            case .accepted(let verdicts):
                "\(accepted.count) of \(verdicts.count) orders event(s) accepted: "
                    + accepted.map { "#\($0)" }.joined(separator: ", ")
                    + verdicts.filter { $0.kind != .accepted }.map { "; \($0)" }.joined()
            case .nothingAccepted(let verdicts, let region):
                "no valid \(region) orders among \(verdicts.count) orders event(s)"
                    + (verdicts.isEmpty ? "" : ": " + verdicts.map(\.description).joined(separator: "; "))
            }
        }
    }
}

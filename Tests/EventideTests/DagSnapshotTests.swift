import Foundation
import Testing

@testable import Eventide

@Suite("DagSnapshot: the scheduler's decisions without tasks or a database", .timeLimit(.minutes(1)))
struct DagSnapshotTests {
    let a = try! Asset(uri: "s3://x/a")
    let b = try! Asset(uri: "s3://x/b")

    func snapshot(_ schedule: Schedule, maxActiveRuns: Int = 16) throws -> DagSnapshot {
        let dag = try DAG(
            "d", schedule: schedule, maxActiveRuns: maxActiveRuns,
            tasks: [
                TaskDefinition("load", upstream: ["extract"]) { _ in .none }, TaskDefinition("extract") { _ in .none },
            ])
        return try #require(DagSnapshot(dag))
    }

    func event(_ id: Int64, _ asset: Asset) -> AssetEvent {
        AssetEvent(
            id: id, asset: asset.key, extra: [:], source: .api(messageId: nil), alias: nil,
            timestamp: Date(timeIntervalSince1970: 0))
    }

    @Test("the snapshot holds the DAG's topological order; a DAG no asset schedules has none")
    func topologicalOrderTakenOnce() throws {
        #expect(try snapshot(.on([a])).taskIds == ["extract", "load"])
        #expect(DagSnapshot(try DAG("manual", tasks: [TaskDefinition("t") { _ in .none }])) == nil)
    }

    @Test("an event is queued for a DAG whose condition names its asset, or an alias resolving to it")
    func waitsOn() throws {
        let direct = try snapshot(.on([a]))
        #expect(direct.waits(on: a.key, aliases: [:]) && !direct.waits(on: b.key, aliases: [:]))
        let alias = try AssetAlias(name: "daily")
        let viaAlias = try snapshot(.on(alias))
        #expect(!viaAlias.waits(on: b.key, aliases: [:]))
        #expect(viaAlias.waits(on: b.key, aliases: ["daily": [b.key]]))
    }

    @Test("a paused DAG or one at max active runs creates no run; the events stay queued")
    func capacity() throws {
        let dag = try snapshot(.on([a]), maxActiveRuns: 2)
        let queued = [event(1, a)]
        #expect(dag.runsToCreate(queued: queued, aliases: [:], paused: true, activeRuns: 0).isEmpty)
        #expect(dag.runsToCreate(queued: queued, aliases: [:], paused: false, activeRuns: 2).isEmpty)
        #expect(
            dag.runsToCreate(queued: queued, aliases: [:], paused: false, activeRuns: 1).map { $0.map(\.id) } == [[1]])
    }
}

import Eventide
import Foundation
import Testing

@Suite("Replay selections: time range, offsets, event ids", .timeLimit(.minutes(1)))
struct ReplaySelectionTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let key = AssetKey(name: "orders", uri: "s3://lake/orders")

    func event(_ id: Int64, at second: Double) -> AssetEvent {
        AssetEvent(
            id: id, asset: key, extra: [:], source: .api(messageId: nil), alias: nil,
            timestamp: start.addingTimeInterval(second))
    }

    @Test("a time range takes [from, until); offsets are inclusive, open-ended without through; ids exactly")
    func matching() throws {
        let events = (1...5).map { event(Int64($0), at: Double($0) * 10) }  // at 10, 20, …, 50 s
        let range = ReplaySelection.timeRange(from: start.addingTimeInterval(20), until: start.addingTimeInterval(40))
        #expect(events.filter(range.matches).map(\.id) == [2, 3])
        #expect(events.filter(ReplaySelection.offsets(from: 4, through: nil).matches).map(\.id) == [4, 5])
        #expect(events.filter(ReplaySelection.offsets(from: 2, through: 3).matches).map(\.id) == [2, 3])
        #expect(events.filter(ReplaySelection.eventIds([5, 1]).matches).map(\.id) == [1, 5])
    }

    @Test("selections that select nothing by construction are refused")
    func invalid() {
        #expect(throws: ReplayError.self) { try ReplaySelection.timeRange(from: start, until: start).validated() }
        #expect(throws: ReplayError.self) { try ReplaySelection.offsets(from: 5, through: 4).validated() }
        #expect(throws: ReplayError.self) { try ReplaySelection.eventIds([]).validated() }
        #expect(throws: Never.self) { try ReplaySelection.offsets(from: 5, through: 5).validated() }
    }
}

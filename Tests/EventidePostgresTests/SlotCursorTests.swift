import EventidePostgres
import Testing

@Suite("Slot cursor: how far acknowledgements let the slot advance", .timeLimit(.minutes(1)))
struct SlotCursorTests {
    let t1 = LSN(100), t2 = LSN(200), t3 = LSN(300)

    @Test("the slot advances past a transaction only when all its changes and all earlier ones are acknowledged")
    func wholeTransactionsInOrder() {
        var cursor = SlotCursor()
        #expect(cursor.register(safePoint: t1, changeIds: ["a", "b"]) == nil)
        #expect(cursor.register(safePoint: t2, changeIds: ["c"]) == nil)
        #expect(cursor.acknowledge("c") == nil, "t1 is not acknowledged yet")
        #expect(cursor.acknowledge("a") == nil, "t1 is only partly acknowledged")
        #expect(cursor.acknowledge("b") == t2, "t1 and t2 are complete")
        #expect(cursor.confirmed == t2 && cursor.pending == 0)
    }

    @Test("a transaction with no delivered changes settles at once when nothing before it is pending")
    func emptyUnits() {
        var cursor = SlotCursor()
        #expect(cursor.register(safePoint: t1, changeIds: []) == t1)
        #expect(cursor.register(safePoint: t2, changeIds: ["x"]) == nil)
        #expect(cursor.register(safePoint: t3, changeIds: []) == nil, "x is still pending")
        #expect(cursor.acknowledge("x") == t3)
    }

    @Test("registered units are remembered so a later peek does not deliver them twice; unknown ids change nothing")
    func registered() {
        var cursor = SlotCursor()
        _ = cursor.register(safePoint: t2, changeIds: ["x"])
        #expect(cursor.isRegistered(t1) && cursor.isRegistered(t2) && !cursor.isRegistered(t3))
        #expect(cursor.acknowledge("nope") == nil && cursor.pending == 1)
    }
}

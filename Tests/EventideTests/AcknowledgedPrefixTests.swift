import Eventide
import Testing

@Suite("AcknowledgedPrefix", .timeLimit(.minutes(3)))
struct AcknowledgedPrefixTests {
    @Test(
        "the checkpoint moves only over a gapless acknowledged prefix; unknown, repeated and forgotten positions change nothing"
    )
    func prefix() {
        var window = AcknowledgedPrefix<Int>()
        for position in [10, 20, 30, 40] { window.deliver(position) }
        #expect(window.acknowledge(20) == nil, "10 is still outstanding")
        #expect(window.acknowledge(10) == 20, "10 and 20 now form a prefix")
        #expect(window.acknowledge(20) == nil && window.acknowledge(99) == nil)
        #expect(window.pending == 2)
        window.forget()
        #expect(window.acknowledge(30) == nil && window.pending == 0)
        window.deliver(50)
        #expect(window.acknowledge(50) == 50)
    }
}

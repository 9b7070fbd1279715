import Eventide
import Testing

@Suite("Sensor settings: modes by name, backoff intervals", .timeLimit(.minutes(1)))
struct SensorSettingsTests {
    @Test("a mode is chosen by its Airflow name; an unknown name is refused with a typed error")
    func modesByName() throws {
        #expect(try SensorMode(name: "poke") == .poke)
        #expect(try SensorMode(name: "reschedule") == .reschedule)
        #expect(try SensorMode(name: "deferrable") == .deferrable)
        #expect(throws: SensorError.unknownMode("rescedule")) { try SensorMode(name: "rescedule") }
        #expect(throws: SensorError.unknownMode("")) { try SensorMode(name: "") }
    }

    @Test("Airflow's defaults: poke mode, every 60 s, for 7 days, no soft fail")
    func defaults() {
        let settings = SensorSettings()
        #expect(settings.mode == .poke)
        #expect(settings.pokeInterval == .seconds(60))
        #expect(settings.timeout == .seconds(604_800))
        #expect(!settings.softFail && !settings.exponentialBackoff && settings.maxWait == nil)
    }

    @Test("exponential backoff doubles the wait after each poke up to max_wait; without it the wait is constant")
    func backoff() {
        let backoff = SensorSettings(pokeInterval: .seconds(10), exponentialBackoff: true, maxWait: .seconds(60))
        #expect((1...6).map { backoff.interval(afterPoke: $0) } == [10, 20, 40, 60, 60, 60].map { .seconds($0) })
        let unbounded = SensorSettings(pokeInterval: .seconds(1), exponentialBackoff: true)
        #expect(unbounded.interval(afterPoke: 11) == .seconds(1024))
        let constant = SensorSettings(pokeInterval: .seconds(10), maxWait: .seconds(5))
        #expect((1...4).map { constant.interval(afterPoke: $0) } == Array(repeating: .seconds(10), count: 4))
    }

    @Test("a Boolean is a poke result; done carries the value the task returns")
    func pokeReturnValue() {
        let notYet: PokeReturnValue = false
        #expect(!notYet.isDone && notYet.xcomValue == nil)
        #expect(PokeReturnValue.done(["rows": 3]) == PokeReturnValue(isDone: true, xcomValue: ["rows": 3]))
    }
}

import Eventide
import EventideTesting
import Foundation
import Testing

/// FileSensor (glob on local disk) in poke and deferrable mode, and InotifyFileTrigger with its polling fallback.
@Suite("FileSensor and InotifyFileTrigger", .timeLimit(.minutes(3)))
struct FileSensorTests {
    func folder() throws -> URL { try TemporaryDatabase.folder("file-sensor") }

    /// Writes under a hidden name, then renames into place (the file appears complete).
    func arrive(_ name: String, in folder: URL, body: String = "id\n1\n") throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let partial = folder.appendingPathComponent(".\(name).partial")
        try Data(body.utf8).write(to: partial)
        try FileManager.default.moveItem(at: partial, to: folder.appendingPathComponent(name))
    }

    func dag(_ sensor: FileSensor, _ mode: SensorMode) throws -> DAG {
        try DAG(
            "wait",
            tasks: [
                .sensor(
                    "sense", sensor,
                    settings: SensorSettings(mode: mode, pokeInterval: .seconds(10), timeout: .seconds(300)))
            ])
    }

    @Test(
        "95.3.2/1 glob rules: a wildcard does not cross '/' nor match a hidden name; prefixes and folders of patterns")
    func globRules() throws {
        let root = try folder()
        try arrive("orders_1.csv", in: root)
        try arrive("orders_2.csv", in: root.appendingPathComponent("sub"))
        try Data().write(to: root.appendingPathComponent(".orders_3.csv"))
        let matches = FileMatch.matching(GlobPattern(root.path + "/orders_*.csv"))
        #expect(matches.map(\.path) == [root.path + "/orders_1.csv"])
        #expect(matches.first?.size == 5)
        #expect(FileMatch.matching(GlobPattern(root.path + "/*/orders_*.csv")).count == 1)
        let pattern = GlobPattern("/data/in/orders_*.csv")
        #expect(pattern.literalDirectory == "/data/in")
        #expect(pattern.literalPrefix == "/data/in/orders_")
        #expect(GlobPattern("/data/*/orders.csv").literalDirectory == nil)
        #expect(GlobPattern("exports/*/orders.csv").matches("exports/a/b/orders.csv"), "fnmatch: * crosses /")
        #expect(!GlobPattern("exports/*/orders.csv").matches("exports/a/b/orders.csv", pathname: true))
    }

    @Test("95.3.2/1 poke mode: the sensor pokes on the clock holding its slot, and returns the matching files")
    func pokeMode() async throws {
        let root = try folder()
        let sensor = FileSensor(path: root.path + "/orders_*.csv")
        let h = try await SensorHarness([try dag(sensor, .poke)])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            #expect(h.slots.snapshot().inUse == 1)
            try arrive("notes.txt", in: root)  // does not match
            try await h.step(.seconds(10))
            try arrive("orders_1.csv", in: root)
            await h.clock.advance(by: .seconds(10))
            #expect(try await h.state(ref, "sense") != .failed)
            return try await h.finished("wait")
        }
        #expect(run.state == .success)
        #expect(sensor.pokes.current == 3)
        let value = try #require(run.task("sense")?.returnValue)
        #expect(value["count"] == 1)
        #expect(Self.paths(value) == [root.path + "/orders_1.csv"])
    }

    @Test("95.3.2/4 deferrable mode: no slot while deferred; inotify wakes the trigger, which never polls")
    func deferrableInotify() async throws {
        let root = try folder()
        let sensor = FileSensor(path: root.path + "/orders_*.csv")
        let h = try await SensorHarness([try dag(sensor, .deferrable)])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.waitForState(ref, "sense", .deferred)
            #expect(h.slots.snapshot().inUse == 0, "a deferred sensor holds no worker slot")
            try arrive("orders_7.csv", in: root)
            return try await h.finished("wait")  // the test clock never moves: only inotify can have fired
        }
        #expect(run.state == .success)
        #expect(sensor.pokes.current == 1)
        #expect(sensor.wakeUps.current >= 1)
        #expect(sensor.triggerPolls.current == 0)
        let value = try #require(run.task("sense")?.returnValue)
        #expect(value["watch"] == "inotify")
        #expect(Self.paths(value) == [root.path + "/orders_7.csv"])
    }

    @Test("95.3.2/4 deferrable mode in a folder that does not exist yet: polling on the clock, with the reason")
    func deferrableFallback() async throws {
        let root = try folder().appendingPathComponent("later")
        let sensor = FileSensor(path: root.path + "/orders_*.csv")
        let h = try await SensorHarness([try dag(sensor, .deferrable)])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.waitForState(ref, "sense", .deferred)
            try await h.clock.waitForSleepers(2)  // the trigger's poll interval and the deferral's timeout
            try arrive("orders_1.csv", in: root)
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("wait")
        }
        #expect(run.state == .success)
        #expect(sensor.triggerPolls.current == 2, "one check at once, one after the interval")
        #expect(sensor.wakeUps.current == 0)
        #expect(run.task("sense")?.returnValue?["watch"] == "polling")
    }

    @Test("95.3.2/4 the trigger says how it will watch, and why it cannot use inotify")
    func plannedMechanism() throws {
        let root = try folder()
        #expect(InotifyFileTrigger(pattern: root.path + "/*.csv").plannedMechanism == .inotify(directory: root.path))
        #expect(
            InotifyFileTrigger(pattern: root.path + "/*/x.csv").plannedMechanism
                == .polling(.wildcardInDirectory(pattern: root.path + "/*/x.csv")))
        #expect(
            InotifyFileTrigger(pattern: root.path + "/missing/x.csv").plannedMechanism
                == .polling(.directoryMissing(root.path + "/missing")))
    }

    @Test("95.3.2/4 inotify: files already there fire first; hidden and non-matching names never fire")
    func inotifyEvents() async throws {
        let root = try folder()
        try arrive("a.csv", in: root)
        let trigger = InotifyFileTrigger(pattern: root.path + "/*.csv")
        let events = try trigger.events()
        #expect(trigger.mechanism == .inotify(directory: root.path))
        let paths = try await WaitDeadline.seconds(20).enforce(waitingFor: "two file events") {
            var iterator = events.makeAsyncIterator()
            var paths: [String] = []
            let first = try await iterator.next()
            paths.append(first?.payload["path"]?.stringValue ?? "")
            try Data("x".utf8).write(to: root.appendingPathComponent("b.txt"))  // does not match
            try arrive("c.csv", in: root)  // its partial name is hidden
            let second = try await iterator.next()
            paths.append(second?.payload["path"]?.stringValue ?? "")
            return paths
        }
        #expect(paths == [root.path + "/a.csv", root.path + "/c.csv"])
        #expect(trigger.wakeUps.current >= 1)
    }

    /// The paths in a FileSensor result.
    static func paths(_ value: JSONValue) -> [String] {
        guard case .array(let files)? = value["files"] else { return [] }
        return files.compactMap { $0["path"]?.stringValue }
    }
}

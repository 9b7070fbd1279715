import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// This process's CPU time by thread (Linux: `/proc/self/task`), grouped by what each thread does for the server:
/// the NIO event loop (reads requests, writes answers), Swift's concurrency pool (handlers, the group commit's
/// leader) and the rest. Shows which thread bounds a load: a thread near 1.0 of a core is saturated, and a load
/// whose threads all stay well below it waits for something other than CPU. Empty where `/proc` is missing.
struct ThreadCPU {
    enum Role {
        case eventLoop, pool, other
    }

    /// A thread's CPU time so far, in µs, and what it does.
    struct Thread {
        let micros: Double
        let role: Role
    }

    /// By thread id.
    var threads: [Int: Thread] = [:]

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func now() -> ThreadCPU {
        var snapshot = ThreadCPU()
        let tasks = "/proc/self/task"
        guard ticksPerSecond > 0, let ids = try? FileManager.default.contentsOfDirectory(atPath: tasks) else {
            return snapshot
        }
        for id in ids {
            guard let tid = Int(id),
                let name = try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8),
                let stat = try? String(contentsOfFile: "\(tasks)/\(id)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { continue }
            // After the name: state, ppid, … ; utime and stime are the 12th and 13th fields from there.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            snapshot.threads[tid] = Thread(
                micros: (user + system) / ticksPerSecond * 1e6,
                role: role(name.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return snapshot
    }

    /// NIO names its loop threads `NIO-ELT-…`; libdispatch names the pool's `com.apple.root.…-qos` (cut to 15
    /// characters by the kernel).
    static func role(_ name: String) -> Role {
        if name.hasPrefix("NIO-ELT") { return .eventLoop }
        if name.hasSuffix("-qos") || name.contains("qos.") { return .pool }
        return .other
    }

    /// Cores the event loop and the pool kept busy between `earlier` and this snapshot, `seconds` apart, and the
    /// busiest pool thread.
    func busy(since earlier: ThreadCPU, seconds: Double) -> Busy {
        var busy = Busy()
        guard seconds > 0 else { return busy }
        for (tid, thread) in threads {
            let share = (thread.micros - (earlier.threads[tid]?.micros ?? 0)) / 1e6 / seconds
            switch thread.role {
            case .eventLoop: busy.loop += share
            case .pool:
                busy.pool += share
                busy.busiestPoolThread = max(busy.busiestPoolThread, share)
            case .other: break
            }
        }
        return busy
    }

    struct Busy {
        var loop = 0.0
        var pool = 0.0
        var busiestPoolThread = 0.0
    }
}

import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fires for each file that matches a glob pattern (`/data/in/orders_*.csv`): first for the matches already
/// there, then for each file written and closed, or moved in, afterwards. The trigger of `FileSensor`'s
/// deferrable mode.
///
/// When the pattern's folder has no wildcard and exists, the kernel wakes it: an inotify watch on the folder
/// (`IN_CLOSE_WRITE | IN_MOVED_TO`, so a file is seen once complete), read by a thread that each event sequence
/// owns, blocked in `poll(2)` on the inotify descriptor and a stop pipe; ending the sequence signals the
/// stop and the thread closes the descriptors. Otherwise it checks the pattern every `pollInterval` on the clock,
/// and `mechanism` says why.
///
/// ```swift
/// let trigger = InotifyFileTrigger(pattern: "/data/in/orders_*.csv", pollInterval: .seconds(5))
/// trigger.plannedMechanism      // .inotify(directory: "/data/in"), or .polling(.directoryMissing("/data/in"))
/// ```
public struct InotifyFileTrigger: Trigger {
    public let pattern: GlobPattern
    /// How often the polling fallback checks the pattern.
    public let pollInterval: Duration
    public let clock: EventideClock
    /// Reads of the inotify descriptor after the kernel woke the reader (shared by every sequence).
    public let wakeUps: Counter
    /// Checks the polling fallback made (shared by every sequence).
    public let polls: Counter
    private let chosen = Chosen()

    /// `wakeUps` and `polls` may be counters the caller shares (a sensor counting across its deferrals).
    public init(
        pattern: String, pollInterval: Duration = .seconds(1), clock: EventideClock = .system,
        wakeUps: Counter = Counter(), polls: Counter = Counter()
    ) {
        self.pattern = GlobPattern(pattern)
        self.wakeUps = wakeUps
        self.polls = polls
        self.pollInterval = max(pollInterval, .milliseconds(1))
        self.clock = clock
    }

    public var description: String { "InotifyFileTrigger(\(pattern))" }

    /// How a sequence made now would watch, from the pattern and the folder as they are.
    public var plannedMechanism: FileWatchMechanism {
        #if canImport(Glibc)
            guard let directory = pattern.literalDirectory else {
                return .polling(.wildcardInDirectory(pattern: pattern.pattern))
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else { return .polling(.directoryMissing(directory)) }
            return .inotify(directory: directory)
        #else
            return .polling(.inotifyUnsupported)
        #endif
    }

    /// How the latest sequence watches (`nil` before the first).
    public var mechanism: FileWatchMechanism? { chosen.value.withLock { $0 } }

    func event(_ match: FileMatch, by mechanism: FileWatchMechanism, observedAt: Date) -> TriggerEvent {
        var payload = match.payload
        if case .object(var fields) = payload {
            fields["watch"] = .string(mechanism.name)
            if case .polling(let fallback) = mechanism { fields["fallback"] = .string(fallback.description) }
            payload = .object(fields)
        }
        return TriggerEvent(
            payload: payload, messageId: match.messageId, occurredAt: match.modifiedAt, observedAt: observedAt)
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        var mechanism = plannedMechanism
        #if canImport(Glibc)
            if case .inotify(let directory) = mechanism {
                do {
                    let stream = try watch(directory)
                    chosen.value.withLock { $0 = mechanism }
                    return stream
                } catch let error as InotifyFailure {
                    mechanism = .polling(.inotifyFailed(reason: error.reason))
                }
            }
        #endif
        chosen.value.withLock { $0 = mechanism }
        return poll(mechanism)
    }

    /// The fallback: the pattern checked at once, then every `pollInterval`, in the consuming task.
    private func poll(_ mechanism: FileWatchMechanism) -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (pattern, clock, interval, polls) = (pattern, clock, pollInterval, polls)
        let checks = Counter()  // this sequence's own: the first check is at once
        let seen = Mutex<Set<String>>([])
        let pending = Mutex<[FileMatch]>([])
        return AsyncThrowingStream { [self] in
            while true {
                if let next = pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                    return event(next, by: mechanism, observedAt: clock.date)
                }
                if checks.current > 0 { try await clock.sleep(for: interval) }
                checks.next()
                polls.next()
                let fresh = FileMatch.matching(pattern).filter { match in
                    seen.withLock { $0.insert(match.messageId).inserted }
                }
                pending.withLock { $0 += fresh }
            }
        }
    }

    #if canImport(Glibc)
        private struct InotifyFailure: Error { let reason: String }

        private func watch(_ directory: String) throws -> AsyncThrowingStream<TriggerEvent, any Error> {
            let descriptors = try InotifyDescriptors(directory: directory)
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
            let mechanism = FileWatchMechanism.inotify(directory: directory)
            // Matches already there (the watch is in place: a file closed now is not missed; one closed during
            // the scan may fire twice, with the same message id).
            let now = clock.date
            for match in FileMatch.matching(pattern) {
                continuation.yield(event(match, by: mechanism, observedAt: now))
            }
            let thread = Thread { [self] in
                read(descriptors, directory: directory, mechanism: mechanism, into: continuation)
            }
            thread.name = "eventide.inotify"
            thread.start()
            continuation.onTermination = { _ in descriptors.stop() }
            return stream
        }

        /// The reader thread: blocks in poll(2) until the kernel has events or the sequence ends.
        private func read(
            _ descriptors: InotifyDescriptors, directory: String, mechanism: FileWatchMechanism,
            into continuation: AsyncThrowingStream<TriggerEvent, any Error>.Continuation
        ) {
            let bufferSize = 64 * 1024
            var buffer = [UInt8](repeating: 0, count: bufferSize)
            var fds = [
                pollfd(fd: descriptors.inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: descriptors.stopSignal, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                if Glibc.poll(&fds, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    continuation.finish(throwing: TriggerError.cannotWatch(path: directory, reason: Self.lastError))
                    return
                }
                if fds[1].revents != 0 { return }  // stopped: the sequence ended
                guard fds[0].revents & Int16(POLLIN) != 0 else { continue }
                wakeUps.next()
                while true {
                    let count = buffer.withUnsafeMutableBytes {
                        Glibc.read(descriptors.inotify, $0.baseAddress, bufferSize)
                    }
                    guard count > 0 else { break }
                    let readAt = clock.date
                    var offset = 0
                    while offset + MemoryLayout<inotify_event>.size <= count {
                        let (length, name) = buffer.withUnsafeBytes { raw -> (Int, String) in
                            let header = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                            let start = offset + MemoryLayout<inotify_event>.size
                            let bytes = raw[start..<(start + Int(header.len))].prefix { $0 != 0 }
                            return (Int(header.len), String(decoding: bytes, as: UTF8.self))
                        }
                        offset += MemoryLayout<inotify_event>.size + length
                        let path = directory == "/" ? "/" + name : directory + "/" + name
                        if pattern.matches(path, pathname: true), !name.hasPrefix("."),
                            let match = FileMatch(path: path)
                        {
                            continuation.yield(event(match, by: mechanism, observedAt: readAt))
                        }
                    }
                }
            }
        }

        static var lastError: String { String(cString: strerror(errno)) }

        /// The inotify descriptor with its watch, and the pipe that stops the reader; closed when the last of
        /// the reader thread and the sequence's termination handler lets go.
        private final class InotifyDescriptors: Sendable {
            let inotify: Int32
            /// The read end of the stop pipe, which the reader polls; `stop()` writes to `stopWriter`.
            let stopSignal: Int32
            let stopWriter: Int32

            init(directory: String) throws {
                let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
                guard inotify >= 0 else { throw InotifyFailure(reason: InotifyFileTrigger.lastError) }
                guard inotify_add_watch(inotify, directory, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0 else {
                    let reason = InotifyFileTrigger.lastError
                    close(inotify)
                    throw InotifyFailure(reason: reason)
                }
                var pipeEnds: [Int32] = [-1, -1]
                guard pipe(&pipeEnds) == 0 else {
                    let reason = InotifyFileTrigger.lastError
                    close(inotify)
                    throw InotifyFailure(reason: reason)
                }
                for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                self.inotify = inotify
                self.stopSignal = pipeEnds[0]
                self.stopWriter = pipeEnds[1]
            }

            /// Both ends of the pipe live as long as this object, so the write never meets a closed reader.
            func stop() {
                var byte: UInt8 = 1
                _ = write(stopWriter, &byte, 1)
            }

            deinit {
                close(inotify)
                close(stopSignal)
                close(stopWriter)
            }
        }
    #endif

    /// The mechanism the latest sequence chose, shared by copies of the trigger.
    private final class Chosen: Sendable {
        let value = Mutex<FileWatchMechanism?>(nil)
    }
}

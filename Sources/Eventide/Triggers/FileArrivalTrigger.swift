import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fires once for every file that appears in a directory: first for the files already there (oldest
/// first), then for each file written and closed, or moved in, afterwards.
///
/// On Linux it is woken by inotify (`IN_CLOSE_WRITE | IN_MOVED_TO`) through a dispatch read source, so an
/// idle watcher costs nothing: no thread waits and nothing polls. `wakeUps` counts how often the kernel
/// woke it, which 117.1.4 compares with a polling sensor's pokes.
public struct FileArrivalTrigger: Trigger {
    public let directory: URL
    /// Only names with one of these suffixes fire (all when empty), e.g. `[".csv"]`.
    public let suffixes: [String]
    /// Counts inotify wake-ups (shared by every sequence made from this trigger).
    public let wakeUps = Counter()

    /// Dates `observedAt` (and a file whose modification date cannot be read).
    public let clock: EventideClock

    public init(directory: URL, suffixes: [String] = [], clock: EventideClock = .system) {
        self.directory = directory
        self.suffixes = suffixes
        self.clock = clock
    }

    public var description: String { "FileArrivalTrigger(\(directory.path))" }

    func matches(_ name: String) -> Bool {
        !name.hasPrefix(".") && (suffixes.isEmpty || suffixes.contains { name.hasSuffix($0) })
    }

    /// The event for a file: payload with path, name, size and modification time; message id from the same,
    /// so a rewritten file fires again and a re-scan of an unchanged one deduplicates. `observedAt` is when the
    /// trigger read the kernel's notification (or scanned the folder) and so learned of the file.
    func event(for name: String, observedAt: Date? = nil) -> TriggerEvent? {
        let url = directory.appendingPathComponent(name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            (attributes[.type] as? FileAttributeType) == .typeRegular
        else { return nil }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let observedAt = observedAt ?? clock.date
        let modified = (attributes[.modificationDate] as? Date) ?? observedAt
        let mtime = modified.timeIntervalSince1970
        return TriggerEvent(
            payload: [
                "path": .string(url.path), "name": .string(name), "size": .number(Double(size)),
                "modified_at": .string(EventTime.format(modified)),
            ],
            messageId: "\(name):\(size):\(Int64(mtime * 1_000_000))",
            occurredAt: modified, observedAt: observedAt)
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        #if canImport(Glibc)
            let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            guard fd >= 0, inotify_add_watch(fd, directory.path, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0 else {
                let reason = String(cString: strerror(errno))
                if fd >= 0 { close(fd) }
                throw TriggerError.cannotWatch(path: directory.path, reason: reason)
            }
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
            // Files already there, oldest first (the watch is in place, so nothing written now is missed;
            // one written during the scan may fire twice, which the message id deduplicates).
            let existing = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter(matches).compactMap { event(for: $0) }
                .sorted {
                    ($0.occurredAt ?? .distantPast, $0.messageId ?? "") < (
                        $1.occurredAt ?? .distantPast, $1.messageId ?? ""
                    )
                }
            for event in existing { continuation.yield(event) }

            let source = DispatchSource.makeReadSource(
                fileDescriptor: fd, queue: DispatchQueue(label: "eventide.inotify"))
            let bufferSize = 64 * 1024
            source.setEventHandler { [self] in
                wakeUps.next()
                var buffer = [UInt8](repeating: 0, count: bufferSize)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, bufferSize) }
                    guard count > 0 else { break }
                    let readAt = clock.date  // after the kernel queued these events: never before the files were closed
                    var offset = 0
                    while offset + MemoryLayout<inotify_event>.size <= count {
                        let (nameLength, name) = buffer.withUnsafeBytes { raw -> (Int, String) in
                            let header = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                            let start = offset + MemoryLayout<inotify_event>.size
                            let bytes = raw[start..<(start + Int(header.len))].prefix { $0 != 0 }
                            return (Int(header.len), String(decoding: bytes, as: UTF8.self))
                        }
                        offset += MemoryLayout<inotify_event>.size + nameLength
                        if matches(name), let event = event(for: name, observedAt: readAt) { continuation.yield(event) }
                    }
                }
            }
            source.setCancelHandler { close(fd) }
            source.resume()
            let cancellable = CancellableSource(source: source)
            continuation.onTermination = { _ in cancellable.source.cancel() }
            return stream
        #else
            throw TriggerError.cannotWatch(path: directory.path, reason: "inotify needs Linux")
        #endif
    }
}

/// Dispatch sources are thread-safe (`cancel()` may be called from any thread), but not marked `Sendable`.
private struct CancellableSource: @unchecked Sendable {
    let source: any DispatchSourceRead
}

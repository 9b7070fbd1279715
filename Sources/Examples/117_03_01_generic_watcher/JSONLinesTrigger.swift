import Eventide
import Foundation

/// A custom trigger for a system that has no queue, only a file it appends JSON lines to (an audit log, an
/// exporter's output): `jsonl:///var/log/audit.jsonl?interval=50&checkpoint=/var/lib/eventide/audit.offset`.
///
/// What a trigger owes the triggerer, and how this one does it:
/// - `events()` opens the source lazily; a file that is missing is `TriggerError.cannotWatch`, so the watcher
///   restarts per its policy until the system creates it.
/// - Each complete line becomes one event: payload the parsed JSON (or `{"undecodable", "error"}`), message id
///   `<inode>@<offset>`, stable across restarts. A partial last line waits for its newline.
/// - The event loop reads what is new and otherwise sleeps `interval` (cancellation ends it). A file replaced by a
///   new one (rotation: another inode) is read to its end, then the new file from its start; a file that shrank
///   (truncated) is read again from its start.
/// - `acknowledge` (called after the asset event is committed) moves the checkpoint — the inode and the end of
///   the last line acknowledged in order — to a file, so a restarted watcher goes on where it was acknowledged.
///
/// Longer than one screen: a trigger that follows rotation and truncation and checkpoints over a gapless prefix
/// of acknowledgements needs about 150 lines. The regions quote the contract's duties (the trigger and its
/// factory, the event loop, the acknowledgement); the file reading between them is the same in any tailer.
// [START trigger]
struct JSONLinesTrigger: Trigger {
    let file: URL
    let checkpoint: URL
    let interval: Duration
    /// Waits between looks and stamps `observedAt`.
    var clock: EventideClock = .system

    var description: String { "JSONLinesTrigger(\(file.lastPathComponent), every \(interval))" }

    /// Missing file: the watcher restarts (per its policy) until the system creates it.
    static let missingFile = "no such file (yet)"

    /// The factory for `jsonl:///path/file.jsonl[?interval=ms][&checkpoint=/path]` (checkpoint default: `<file>.offset`).
    static func factory(clock: EventideClock = .system) -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "jsonl") { uri in
            guard uri.host == nil, !uri.pathSegments.isEmpty else {
                throw TriggerError.invalidURI(uri.text, reason: "write jsonl:///absolute/path/file.jsonl (no host)")
            }
            let file = URL(fileURLWithPath: "/" + uri.pathSegments.joined(separator: "/"))
            let checkpoint =
                uri.query["checkpoint"].map { URL(fileURLWithPath: $0) } ?? file.appendingPathExtension("offset")
            return JSONLinesTrigger(
                file: file, checkpoint: checkpoint,
                interval: .milliseconds(try uri.integer("interval", in: 1...60_000) ?? 200), clock: clock)
        }
    }

    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let session = Session(self)
        return AsyncThrowingStream { try await session.next() }
    }
    // [END trigger]

    /// The file's inode and size, from one look at its path (`nil`s when it is missing).
    static func look(at file: URL) -> (inode: UInt64?, size: UInt64?) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        return (
            (attributes?[.systemFileNumber] as? NSNumber)?.uint64Value, (attributes?[.size] as? NSNumber)?.uint64Value
        )
    }

    /// Where reading stands: the open file, its inode, the read offset, lines read but not yet handed out, and
    /// the acknowledgements waiting for an earlier line.
    private actor Session {
        let trigger: JSONLinesTrigger
        var handle: FileHandle?
        var inode: UInt64 = 0
        var offset: UInt64 = 0
        var partial = Data()
        var lines: [(start: UInt64, end: UInt64, text: String)] = []
        /// Ends of lines handed out, and how far they are acknowledged without a gap.
        var acknowledged = AcknowledgedPrefix<UInt64>()

        init(_ trigger: JSONLinesTrigger) { self.trigger = trigger }

        deinit { try? handle?.close() }

        // [START loop]
        func next() async throws -> TriggerEvent? {
            while lines.isEmpty {
                if Task.isCancelled { return nil }
                try openIfNeeded()
                try readNew()
                if lines.isEmpty {
                    if try followRotationOrTruncation() { continue }
                    do { try await trigger.clock.sleep(for: trigger.interval) } catch { return nil }
                }
            }
            let line = lines.removeFirst()
            acknowledged.deliver(line.end)
            let (inode, end) = (inode, line.end)
            let payload: JSONValue
            do { payload = try JSONValue.parse(line.text) } catch {
                payload = ["undecodable": .string(line.text), "error": .string("not JSON: \(error)")]
            }
            return TriggerEvent(
                payload: payload, messageId: "\(inode)@\(line.start)", observedAt: trigger.clock.date,
                acknowledge: { [self] in try await acknowledge(inode: inode, end: end) })
        }
        // [END loop]

        private func openIfNeeded() throws {
            guard handle == nil else { return }
            guard let current = JSONLinesTrigger.look(at: trigger.file).inode else {
                throw TriggerError.cannotWatch(path: trigger.file.path, reason: JSONLinesTrigger.missingFile)
            }
            let handle = try FileHandle(forReadingFrom: trigger.file)
            let saved = Self.readCheckpoint(trigger.checkpoint)
            // Resume where the last run was acknowledged, if it is still the same file and not shorter now.
            let size = (try? handle.seekToEnd()) ?? 0
            offset = saved.map { $0.inode == current && $0.offset <= size ? $0.offset : 0 } ?? 0
            try handle.seek(toOffset: offset)
            (self.handle, inode, partial) = (handle, current, Data())
        }

        private func readNew() throws {
            guard let handle, let data = try handle.readToEnd(), !data.isEmpty else { return }
            partial.append(data)
            var start = offset
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                let bytes = partial[partial.startIndex..<newline]
                let end = start + UInt64(bytes.count) + 1
                let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { lines.append((start, end, text)) }
                partial.removeSubrange(partial.startIndex...newline)
                start = end
            }
            offset = start  // the partial tail is read again with the rest of its line
            try handle.seek(toOffset: offset)
            partial.removeAll()
        }

        /// Reopens a rotated (other inode) or truncated file from its start; true if it did.
        private func followRotationOrTruncation() throws -> Bool {
            // The inode and the size from one look at the path: read apart, a rotation between the two paired the
            // old inode with the new file's smaller size, which looked like a truncation of the old file, and its
            // lines were read again (dropped as duplicates, but counted).
            let (current, size) = JSONLinesTrigger.look(at: trigger.file)
            if current != nil, current != inode {
                // Lines appended to the old file just before it was renamed: read them before leaving it.
                try readNew()
                if !lines.isEmpty { return true }
                try handle?.close()
                handle = nil
                // The old file is done: its checkpoint and its unacknowledged lines no longer decide anything (their
                // acknowledgements are ignored), or a late one would hold the new file's checkpoint back for ever.
                try? FileManager.default.removeItem(at: trigger.checkpoint)
                acknowledged.forget()
                try openIfNeeded()
                return true
            }
            if let size, size < offset {
                offset = 0
                try handle?.seek(toOffset: 0)
                return true
            }
            return false
        }

        // [START acknowledge]
        /// Called after the asset event is committed: moves the checkpoint over the gapless acknowledged prefix.
        private func acknowledge(inode acknowledgedInode: UInt64, end: UInt64) throws {
            guard acknowledgedInode == inode else { return }
            if let reached = acknowledged.acknowledge(end) {
                let text = "\(inode) \(reached)\n"
                try Data(text.utf8).write(to: trigger.checkpoint, options: .atomic)
            }
        }
        // [END acknowledge]

        static func readCheckpoint(_ url: URL) -> (inode: UInt64, offset: UInt64)? {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
            let parts = text.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }
}

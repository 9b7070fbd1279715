/// A consumer-group member reading a topic from the group's committed offsets.
///
/// `next()` returns the next records past what this member has already handed out; when it has caught up,
/// it waits for an append instead of polling. `commit(_:)` stores the group's progress, so a new member of
/// the same group (after a crash or restart) resumes after the last committed record.
public actor LogConsumer {
    public nonisolated let group: String
    public nonisolated let topic: String
    private let log: EventLog
    private var partitions: [Int] = []
    private var positions: [Int: Int] = [:]
    private var appends: AsyncStream<LogPosition>.AsyncIterator?

    public init(log: EventLog, group: String, topic: String) {
        self.log = log
        self.group = group
        self.topic = topic
    }

    private func start() async throws {
        guard appends == nil else { return }
        appends = log.appends().makeAsyncIterator()  // subscribe before the first read: no append is missed
        partitions = Array(0..<(try await log.partitionCount(of: topic)))
        for partition in partitions {
            positions[partition] = try await log.committedOffset(group: group, topic: topic, partition: partition)
        }
    }

    /// Records not yet handed out, waiting for an append when there are none. Returns `[]` only when the
    /// task is cancelled.
    public func next(limit: Int = 100) async throws -> [LogRecord] {
        try await start()
        while !Task.isCancelled {
            let records = try await poll(limit: limit)
            if !records.isEmpty { return records }
            // Wait for an append to this topic (in this process) before reading again.
            guard var iterator = appends else { break }
            while let position = await iterator.next(isolation: #isolation) {
                if position.topic == topic { break }
            }
            appends = iterator
        }
        return []
    }

    /// Records not yet handed out, without waiting.
    public func poll(limit: Int = 100) async throws -> [LogRecord] {
        try await start()
        var batch: [LogRecord] = []
        for partition in partitions where batch.count < limit {
            let records = try await log.read(
                topic: topic, partition: partition, from: positions[partition] ?? 0,
                limit: limit - batch.count)
            if let last = records.last { positions[partition] = last.position.offset + 1 }
            batch += records
        }
        return batch
    }

    /// Marks this record, and everything before it in its partition, as processed by the group.
    public func commit(_ record: LogRecord) async throws {
        try await log.commit(
            group: group, topic: topic, partition: record.position.partition,
            nextOffset: record.position.offset + 1)
    }

    /// Rewinds this member (and the group's committed offsets) to `offset` in every partition: a replay.
    public func seek(toOffset offset: Int) async throws {
        try await start()
        for partition in partitions {
            positions[partition] = offset
            try await log.commit(
                group: group, topic: topic, partition: partition, nextOffset: offset,
                allowRewind: true)
        }
    }
}

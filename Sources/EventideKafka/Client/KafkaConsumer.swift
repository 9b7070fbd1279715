import Foundation

/// A member of a consumer group (the classic protocol): it finds the group's coordinator, joins (the leader
/// assigns partitions with the range assignor), syncs, heartbeats, fetches its partitions from the committed
/// offsets (or the earliest when none), commits on request and leaves on `close()`.
///
/// Pull-driven like Kafka's `poll`: heartbeats are sent from `poll` (and `commit`) when due, so a caller must
/// poll at least every `sessionTimeout / 3`; each poll waits at most `fetchMaxWait` for records. When the
/// coordinator says the group is rebalancing, the next poll rejoins and resumes the (possibly new)
/// partitions from their committed offsets: records returned but not committed are delivered again
/// (at-least-once).
public actor KafkaConsumer {
    public let client: KafkaClient
    public let group: String
    public let topics: [String]
    public let sessionTimeout: Duration
    public let rebalanceTimeout: Duration
    public let fetchMaxWait: Duration
    public let fetchMaxBytes: Int32

    private var memberId = ""
    private var generationId: Int32 = -1
    private var coordinator: KafkaClient.Endpoint?
    private var joined = false
    private var joinInProgress = false
    private var joinWaiters: [CheckedContinuation<Void, Never>] = []
    private var positions: [TopicPartition: Int64] = [:]
    private var lastHeartbeat = ContinuousClock.now
    private var closed = false
    /// The partitions this member owns in the current generation, sorted.
    public private(set) var assignment: [TopicPartition] = []
    /// How many generations this member has joined (1 after the first join; more after rebalances).
    public private(set) var generationsJoined = 0

    public init(
        client: KafkaClient, group: String, topics: [String], sessionTimeout: Duration = .seconds(10),
        rebalanceTimeout: Duration? = nil, fetchMaxWait: Duration = .milliseconds(500),
        fetchMaxBytes: Int = 4 * 1024 * 1024
    ) {
        self.client = client
        self.group = group
        self.topics = topics
        self.sessionTimeout = sessionTimeout
        self.rebalanceTimeout = rebalanceTimeout ?? sessionTimeout
        self.fetchMaxWait = min(fetchMaxWait, sessionTimeout / 4)
        self.fetchMaxBytes = Int32(fetchMaxBytes)
    }

    // MARK: Polling

    /// Joins the group now (`poll` joins on its own); returns once this member has its assignment.
    public func join() async throws {
        guard !closed else { throw KafkaError.invalidArgument("join on a closed consumer of group \(group)") }
        try await ensureJoined()
    }

    /// The next records of the assigned partitions (possibly none after `fetchMaxWait`), in order per
    /// partition; joins the group first if needed and heartbeats when due.
    public func poll() async throws -> [KafkaRecord] {
        guard !closed else { throw KafkaError.invalidArgument("poll on a closed consumer of group \(group)") }
        try await ensureJoined()
        try await heartbeatIfDue()
        try await ensureJoined()
        let generation = generationId
        guard !assignment.isEmpty else {
            try await Task.sleep(for: fetchMaxWait)  // nothing assigned: wait for the next heartbeat's news
            return []
        }
        var records: [KafkaRecord] = []
        for (endpoint, partitions) in try await client.byLeader(assignment) {
            let request = FetchRequest(
                maxWaitMs: Int32(fetchMaxWait.milliseconds), minBytes: 1, maxBytes: fetchMaxBytes,
                partitionMaxBytes: fetchMaxBytes,
                offsets: partitions.map { ($0, positions[$0] ?? 0) })
            let answer = try await client.send(
                request, to: endpoint,
                timeout: client.configuration.requestTimeout + fetchMaxWait)
            guard generation == generationId, joined else { return [] }  // rebalanced meanwhile: positions were reset
            for data in answer {
                switch data.errorCode {
                case 0:
                    guard let position = positions[data.partition], let bytes = data.records else { continue }
                    let fetched = try RecordBatch.decode(
                        bytes, topic: data.partition.topic, partition: data.partition.partition
                    )
                    .filter { $0.offset >= position }
                    if let last = fetched.last { positions[data.partition] = last.offset + 1 }
                    records += fetched
                case KafkaErrorCode.offsetOutOfRange:
                    positions[data.partition] = try await client.earliestOffsets([data.partition])[data.partition] ?? 0
                case KafkaErrorCode.notLeaderForPartition, KafkaErrorCode.unknownTopicOrPartition,
                    KafkaErrorCode.leaderNotAvailable:
                    await client.invalidate(data.partition.topic)
                default:
                    throw KafkaError.broker(
                        api: FetchRequest.name, code: data.errorCode, context: data.partition.description)
                }
            }
        }
        try await heartbeatIfDue()
        return records
    }

    /// The offset the next `poll` reads from, per assigned partition.
    public var currentPositions: [TopicPartition: Int64] { positions }

    // MARK: Committing

    /// Commits `offsets` (the next offset to read, i.e. last processed + 1) for the partitions this member
    /// owns; offsets of partitions a rebalance gave away are dropped (their new owner re-reads them).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        for attempt in 0..<3 {
            try await ensureJoined()
            let owned = offsets.filter { assignment.contains($0.key) }
            guard !owned.isEmpty, let coordinator else { return }
            let errors = try await client.send(
                OffsetCommitRequest(group: group, generationId: generationId, memberId: memberId, offsets: owned),
                to: coordinator, lane: .group)
            let failed = errors.filter { $0.value != 0 }
            if failed.isEmpty {
                for (partition, offset) in owned where (positions[partition] ?? 0) < offset {
                    positions[partition] = offset
                }
                return
            }
            let code = failed.values.first!
            guard attempt < 2, handleGroupError(code) else {
                throw KafkaError.broker(
                    api: OffsetCommitRequest.name, code: code,
                    context: "group \(group), \(failed.keys.sorted().map(\.description).joined(separator: ", "))")
            }
        }
    }

    /// Commits the offset after `record`.
    public func commit(_ record: KafkaRecord) async throws {
        try await commit([record.topicPartition: record.offset + 1])
    }

    /// The group's committed offsets for `partitions` (`nil` where none).
    public func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let coordinator = try await findCoordinator()
        let offsets = try await client.send(
            OffsetFetchRequest(group: group, partitions: partitions), to: coordinator, lane: .group)
        return offsets.filter { $0.value >= 0 }
    }

    // MARK: Leaving

    /// Leaves the group at once (the others rebalance without waiting for the session timeout).
    public func close() async {
        guard !closed else { return }
        closed = true
        if joined, let coordinator {
            _ = try? await client.send(
                LeaveGroupRequest(group: group, memberId: memberId), to: coordinator, lane: .group,
                timeout: .seconds(5))
        }
        joined = false
        assignment = []
    }

    // MARK: Membership

    private func ensureJoined() async throws {
        while !joined {
            guard !closed else { throw KafkaError.invalidArgument("the consumer of group \(group) is closed") }
            if joinInProgress {
                await withCheckedContinuation { joinWaiters.append($0) }
                continue
            }
            joinInProgress = true
            defer {
                joinInProgress = false
                let waiters = joinWaiters
                joinWaiters = []
                for waiter in waiters { waiter.resume() }
            }
            try await joinGroup()
        }
    }

    private func findCoordinator() async throws -> KafkaClient.Endpoint {
        if let coordinator { return coordinator }
        for attempt in 0..<20 {
            let answer = try await client.send(FindCoordinatorRequest(group: group))
            if answer.errorCode == 0 {
                let endpoint = KafkaClient.Endpoint(host: answer.host, port: Int(answer.port))
                coordinator = endpoint
                return endpoint
            }
            guard
                answer.errorCode == KafkaErrorCode.coordinatorNotAvailable
                    || answer.errorCode == KafkaErrorCode.coordinatorLoadInProgress, attempt < 19
            else {
                throw KafkaError.broker(
                    api: FindCoordinatorRequest.name, code: answer.errorCode, context: "group \(group)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw KafkaError.broker(
            api: FindCoordinatorRequest.name, code: KafkaErrorCode.coordinatorNotAvailable, context: "group \(group)")
    }

    /// JoinGroup (again with the member id the coordinator assigns), the leader's range assignment, SyncGroup,
    /// then the starting offsets of the assigned partitions.
    private func joinGroup() async throws {
        let coordinator = try await findCoordinator()
        for _ in 0..<10 {
            let answer = try await client.send(
                JoinGroupRequest(
                    group: group, sessionTimeoutMs: Int32(sessionTimeout.milliseconds),
                    rebalanceTimeoutMs: Int32(rebalanceTimeout.milliseconds), memberId: memberId,
                    subscription: ConsumerProtocol.Subscription(topics: topics)),
                to: coordinator, lane: .group, timeout: client.configuration.requestTimeout + rebalanceTimeout)
            switch answer.errorCode {
            case 0: break
            case KafkaErrorCode.memberIdRequired: memberId = answer.memberId; continue
            case KafkaErrorCode.unknownMemberId: memberId = ""; continue
            case KafkaErrorCode.rebalanceInProgress: continue
            case KafkaErrorCode.notCoordinator, KafkaErrorCode.coordinatorNotAvailable:
                self.coordinator = nil
                throw KafkaError.broker(api: JoinGroupRequest.name, code: answer.errorCode, context: "group \(group)")
            default:
                throw KafkaError.broker(api: JoinGroupRequest.name, code: answer.errorCode, context: "group \(group)")
            }
            memberId = answer.memberId
            generationId = answer.generationId
            var assignments: [(memberId: String, assignment: ConsumerProtocol.Assignment)] = []
            if answer.leaderId == memberId {
                var counts: [String: Int] = [:]
                for topic in Set(answer.members.flatMap { $0.subscription.topics }) {
                    await client.invalidate(topic)
                    counts[topic] = try? await client.partitionCount(topic)
                }
                let plan = RangeAssignor.assign(
                    members: answer.members.map { (memberId: $0.memberId, topics: $0.subscription.topics) },
                    partitionCounts: counts)
                assignments = plan.sorted { $0.key < $1.key }.map {
                    (memberId: $0.key, assignment: ConsumerProtocol.Assignment(partitions: $0.value))
                }
            }
            let sync = try await client.send(
                SyncGroupRequest(
                    group: group, generationId: generationId, memberId: memberId, assignments: assignments),
                to: coordinator, lane: .group, timeout: client.configuration.requestTimeout + rebalanceTimeout)
            switch sync.errorCode {
            case 0: break
            case KafkaErrorCode.rebalanceInProgress, KafkaErrorCode.illegalGeneration: continue
            case KafkaErrorCode.unknownMemberId: memberId = ""; continue
            default:
                throw KafkaError.broker(api: SyncGroupRequest.name, code: sync.errorCode, context: "group \(group)")
            }
            let partitions = sync.assignment.partitions
            var committed: [TopicPartition: Int64] = [:]
            if !partitions.isEmpty {
                committed = try await client.send(
                    OffsetFetchRequest(group: group, partitions: partitions),
                    to: coordinator, lane: .group)
            }
            let missing = partitions.filter { (committed[$0] ?? -1) < 0 }
            var earliest: [TopicPartition: Int64] = [:]
            if !missing.isEmpty { earliest = try await client.earliestOffsets(missing) }
            positions = [:]
            for partition in partitions {
                positions[partition] =
                    (committed[partition] ?? -1) >= 0 ? committed[partition]! : earliest[partition] ?? 0
            }
            assignment = partitions
            joined = true
            generationsJoined += 1
            lastHeartbeat = .now
            return
        }
        throw KafkaError.broker(
            api: JoinGroupRequest.name, code: KafkaErrorCode.rebalanceInProgress,
            context: "group \(group): no stable generation after 10 attempts")
    }

    private func heartbeatIfDue() async throws {
        guard joined, let coordinator, ContinuousClock.now - lastHeartbeat >= sessionTimeout / 3 else { return }
        let code = try await client.send(
            HeartbeatRequest(group: group, generationId: generationId, memberId: memberId),
            to: coordinator, lane: .group)
        lastHeartbeat = .now
        if code != 0 && !handleGroupError(code) {
            throw KafkaError.broker(api: HeartbeatRequest.name, code: code, context: "group \(group)")
        }
    }

    /// Marks the member for rejoining after a group error that calls for it; false for other errors.
    private func handleGroupError(_ code: Int16) -> Bool {
        switch code {
        case KafkaErrorCode.rebalanceInProgress, KafkaErrorCode.illegalGeneration:
            joined = false
        case KafkaErrorCode.unknownMemberId:
            joined = false
            memberId = ""
        case KafkaErrorCode.notCoordinator, KafkaErrorCode.coordinatorNotAvailable:
            joined = false
            coordinator = nil
        default:
            return false
        }
        return true
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

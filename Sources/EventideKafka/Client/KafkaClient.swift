import Eventide
import NIOCore
import NIOPosix

/// The connections to a Kafka cluster and what Metadata says about it: which broker leads which partition.
///
/// Requests that fail because a broker is down or restarting are retried on a fresh connection with
/// jittered exponential backoff until `KafkaConfiguration.reconnectDeadline` (`firstConnectDeadline` for a
/// broker this client has never reached); then they fail with `KafkaError.unreachable`. Group requests (which a coordinator may hold for seconds) use their own
/// connection, so they never queue behind fetches.
public actor KafkaClient {
    public let configuration: KafkaConfiguration

    struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { "\(host):\(port)" }
    }

    enum Lane: Hashable, Sendable { case data, group }

    private struct ConnectionKey: Hashable {
        var endpoint: Endpoint
        var lane: Lane
    }

    private var brokers: [Int32: Endpoint] = [:]
    private var leaders: [TopicPartition: Int32] = [:]
    private var partitionCounts: [String: Int] = [:]
    private var connections: [ConnectionKey: EventLoopFuture<KafkaConnection>] = [:]
    /// Brokers this client has connected to at least once.
    private var reached: Set<Endpoint> = []

    public init(_ configuration: KafkaConfiguration) {
        self.configuration = configuration
    }

    public init(host: String, port: Int) {
        self.init(KafkaConfiguration(host: host, port: port))
    }

    var bootstrap: Endpoint { Endpoint(host: configuration.host, port: configuration.port) }

    // MARK: Requests

    /// Sends `request` to `endpoint` (the bootstrap broker when nil), reconnecting with backoff while the
    /// broker is unreachable, up to the reconnect deadline.
    func send<Request: KafkaRequest>(
        _ request: Request, to endpoint: Endpoint? = nil, lane: Lane = .data,
        timeout: Duration? = nil
    ) async throws -> Request.Response {
        let endpoint = endpoint ?? bootstrap
        do {
            return try await configuration.backoff(reached: reached.contains(endpoint)).run(
                isTransient: { ($0 as? KafkaError)?.isRetriableConnectionError ?? false }
            ) {
                let connection = try await connection(to: endpoint, lane: lane)
                return try await connection.send(request, timeout: timeout ?? configuration.requestTimeout)
            }
        } catch let error as KafkaError where error.isRetriableConnectionError {
            if case .unreachable = error { throw error }
            throw KafkaError.unreachable(endpoint: endpoint.description, reason: error.description)
        }
    }

    private func connection(to endpoint: Endpoint, lane: Lane) async throws -> KafkaConnection {
        let key = ConnectionKey(endpoint: endpoint, lane: lane)
        if let existing = connections[key] {
            if let connection = try? await existing.get(), connection.isActive { return connection }
            if connections[key] === existing { connections[key] = nil }
            if let replaced = connections[key] { return try await replaced.get() }
        }
        let future = KafkaConnection.connect(
            host: endpoint.host, port: endpoint.port, clientId: configuration.clientId,
            connectTimeout: .nanoseconds(configuration.connectTimeout.wholeNanoseconds))
        connections[key] = future
        do {
            let connection = try await future.get()
            reached.insert(endpoint)
            return connection
        } catch {
            if connections[key] === future { connections[key] = nil }
            throw error
        }
    }

    /// Closes every connection; the client reconnects if used again.
    public func close() async {
        let open = connections.values
        connections.removeAll()
        for future in open { try? await future.get().channel.close() }
    }

    // MARK: Metadata

    /// Asks the bootstrap broker for the brokers and the leaders of `topics`' partitions.
    @discardableResult
    func refreshMetadata(_ topics: [String]) async throws -> MetadataRequest.Response {
        let response = try await send(MetadataRequest(topics: topics))
        for broker in response.brokers { brokers[broker.nodeId] = Endpoint(host: broker.host, port: Int(broker.port)) }
        for topic in response.topics where topic.errorCode == 0 && !topic.leaders.isEmpty {
            partitionCounts[topic.name] = topic.leaders.count
            for (partition, leader) in topic.leaders { leaders[TopicPartition(topic.name, partition)] = leader }
        }
        return response
    }

    /// The number of partitions of `topic`; throws `KafkaError.unknownTopic` when it does not exist.
    public func partitionCount(_ topic: String) async throws -> Int {
        if let count = partitionCounts[topic] { return count }
        try await refreshMetadata([topic])
        guard let count = partitionCounts[topic] else { throw KafkaError.unknownTopic(topic) }
        return count
    }

    /// The broker leading `partition`.
    func leader(for partition: TopicPartition) async throws -> Endpoint {
        if let node = leaders[partition], let endpoint = brokers[node] { return endpoint }
        try await refreshMetadata([partition.topic])
        guard let node = leaders[partition], let endpoint = brokers[node] else {
            throw KafkaError.unknownTopic(partition.topic)
        }
        return endpoint
    }

    /// Forgets what Metadata said about `topic` (after NOT_LEADER and the like), so it is asked again.
    func invalidate(_ topic: String) {
        partitionCounts[topic] = nil
        leaders = leaders.filter { $0.key.topic != topic }
    }

    // MARK: Administration

    /// The API versions the bootstrap broker supports, by API key.
    public func apiVersions() async throws -> [Int16: ClosedRange<Int16>] {
        let response = try await send(ApiVersionsRequest())
        guard response.errorCode == 0 else {
            throw KafkaError.broker(api: ApiVersionsRequest.name, code: response.errorCode, context: "")
        }
        return response.versions
    }

    /// Creates `topic`; returns false when it already existed.
    @discardableResult
    public func createTopic(_ topic: String, partitions: Int, replicationFactor: Int = 1) async throws -> Bool {
        let results = try await send(
            CreateTopicsRequest(
                topics: [(topic, Int32(partitions), Int16(replicationFactor))], timeoutMs: 10_000))
        guard let result = results.first(where: { $0.name == topic }) else {
            throw KafkaError.malformedResponse(api: CreateTopicsRequest.name, reason: "no result for \(topic)")
        }
        switch result.errorCode {
        case 0: invalidate(topic); return true
        case KafkaErrorCode.topicAlreadyExists: return false
        default:
            throw KafkaError.broker(
                api: CreateTopicsRequest.name, code: result.errorCode,
                context: "\(topic)\(result.errorMessage.map { ": \($0)" } ?? "")")
        }
    }

    /// The offset of the first record still in each partition (ListOffsets, earliest).
    public func earliestOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for (endpoint, group) in try await byLeader(partitions) {
            let found = try await send(
                ListOffsetsRequest(partitions: group, timestamp: ListOffsetsRequest.earliest), to: endpoint)
            offsets.merge(found) { $1 }
        }
        return offsets
    }

    /// The offset the next produced record of each partition gets (the high watermark, taken from a Fetch:
    /// some brokers answer ListOffsets(latest) with the last batch's base offset + 1).
    public func highWatermarks(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        var watermarks: [TopicPartition: Int64] = [:]
        let earliest = try await earliestOffsets(partitions)
        for (endpoint, group) in try await byLeader(partitions) {
            let request = FetchRequest(
                maxWaitMs: 100, minBytes: 1, maxBytes: 1_024, partitionMaxBytes: 1_024,
                offsets: group.map { ($0, earliest[$0] ?? 0) })
            for data in try await send(request, to: endpoint) {
                guard data.errorCode == 0 else {
                    throw KafkaError.broker(
                        api: FetchRequest.name, code: data.errorCode, context: data.partition.description)
                }
                watermarks[data.partition] = data.highWatermark
            }
        }
        return watermarks
    }

    func byLeader(_ partitions: [TopicPartition]) async throws -> [Endpoint: [TopicPartition]] {
        var groups: [Endpoint: [TopicPartition]] = [:]
        for partition in partitions { groups[try await leader(for: partition), default: []].append(partition) }
        return groups
    }
}

/// Kafka's "range" assignment: per topic, the members subscribed to it (sorted by id) get consecutive runs
/// of its partitions, the first `partitions % members` one more than the rest.
enum RangeAssignor {
    static func assign(members: [(memberId: String, topics: [String])], partitionCounts: [String: Int]) -> [String:
        [TopicPartition]]
    {
        var result: [String: [TopicPartition]] = [:]
        for member in members { result[member.memberId] = [] }
        for (topic, count) in partitionCounts.sorted(by: { $0.key < $1.key }) {
            let subscribed = members.filter { $0.topics.contains(topic) }.map(\.memberId).sorted()
            guard !subscribed.isEmpty else { continue }
            let share = count / subscribed.count, extra = count % subscribed.count
            var next = 0
            for (index, member) in subscribed.enumerated() {
                let take = share + (index < extra ? 1 : 0)
                result[member, default: []] += (next..<next + take).map { TopicPartition(topic, Int32($0)) }
                next += take
            }
        }
        return result
    }
}

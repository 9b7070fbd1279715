import Eventide
import EventideCLI
import EventideKafka
import EventideTesting
import Foundation
import Testing

@testable import Ex95_05_02_event_ordering

@Suite("95.5.2 Event Ordering", .timeLimit(.minutes(10)))
struct EventOrderingTests {
    typealias Example = EventOrdering

    static func runEmbedded(_ configuration: Example.Configuration = .init()) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("95_05_02")
        return try await Example.run(configuration, topics: EventLog(database: database), database: database).outcome
    }

    static func runOnTansu(onGap: ResequencingPolicy.GapAction) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("95_05_02-kafka")
        let topics = KafkaTopicService(
            configuration: KafkaConfiguration(host: "127.0.0.1", port: Int(LocalServer.tansu.port)),
            sessionTimeout: .seconds(2))
        let suffix = UUID().uuidString.prefix(8).lowercased()
        defer { Task { await topics.close() } }
        return try await Example.run(
            .init(topic: "ledger-\(suffix)", group: "ledger-\(suffix)", onGap: onGap), topics: topics,
            database: database
        ).outcome
    }

    /// What every run promises, whatever the backend and the gap policy.
    static func checkOrdered(_ outcome: Example.Outcome) {
        #expect(outcome.deliveries >= outcome.sentRecords, "every record sent was delivered (a broker may redeliver)")
        for account in outcome.accounts {
            #expect(account.resequencedInOrder, "\(account.account)")
            #expect(account.naiveApplied.count >= account.sent.count, "naive applies every arrival")
            if account.account != outcome.droppedAccount {
                #expect(account.resequencedApplied == [1, 2, 3, 4, 5])
                #expect(account.resequencedBalance == account.expectedBalance)
            }
        }
    }

    @Test("95.5.2/1 sequence tracking: each account's changes are numbered 1…n; duplicates and the gap are detected")
    func sequenceTracking() async throws {
        let outcome = try await Self.runEmbedded()
        Self.checkOrdered(outcome)
        #expect(outcome.sentRecords == 30 - 1 + 3 && outcome.deliveries == outcome.sentRecords)
        #expect(outcome.duplicatesDetected == 3, "the three records sent twice")
        let gap = try #require(outcome.gaps.first)
        #expect(outcome.gaps.count == 1)
        #expect(gap.key == outcome.droppedAccount && gap.missing == 3...3 && gap.reason == .timeout)
        for account in outcome.accounts {
            let expected = account.account == outcome.droppedAccount ? [1, 2, 4, 5] : [1, 2, 3, 4, 5]
            #expect(Set(account.sent).sorted() == expected, "\(account.account)")
        }
    }

    @Test(
        "95.5.2/2 out-of-order arrival: the naive consumer applies out of order and twice; the resequenced one never does"
    )
    func outOfOrderHandling() async throws {
        let outcome = try await Self.runEmbedded()
        let naiveOutOfOrder = outcome.accounts.reduce(0) { $0 + $1.naiveOutOfOrder }
        let naiveDuplicates = outcome.accounts.reduce(0) { $0 + $1.naiveApplied.count - Set($1.naiveApplied).count }
        #expect(naiveOutOfOrder > 0 && naiveDuplicates == 3)
        #expect(outcome.accounts.contains { $0.naiveBalance != $0.expectedBalance }, "the naive state is wrong")
        #expect(outcome.accounts.allSatisfy { $0.resequencedInOrder })
        #expect(outcome.bufferedOnArrival > 0)
    }

    @Test(
        "95.5.2/3 buffering strategies: a gap that never fills is skipped with the gap reported, or dead-lettered; the buffer survives a restart",
        arguments: ResequencingPolicy.GapAction.allCases)
    func bufferingStrategies(onGap: ResequencingPolicy.GapAction) async throws {
        let outcome = try await Self.runEmbedded(.init(onGap: onGap))
        Self.checkOrdered(outcome)
        #expect(!outcome.restart.waitingBefore.isEmpty)
        #expect(outcome.restart.waitingAfterReload == outcome.restart.waitingBefore)
        let dropped = try #require(outcome.accounts.first { $0.account == outcome.droppedAccount })
        switch onGap {
        case .skip:
            #expect(dropped.resequencedApplied == [1, 2, 4, 5] && outcome.deadLettered.isEmpty)
            #expect(dropped.resequencedBalance == dropped.expectedBalance)
        case .deadLetter:
            #expect(dropped.resequencedApplied == [1, 2] && outcome.deadLettered == [4, 5])
            #expect(outcome.deadLetterQueue == ["\(dropped.account)#4", "\(dropped.account)#5"])
        }
    }

    @Test("95.5.2/3 a buffer capacity of 1 gives gaps up at once (buffer_full), still in order")
    func smallBuffer() async throws {
        let outcome = try await Self.runEmbedded(.init(capacity: 1))
        for account in outcome.accounts { #expect(account.resequencedInOrder) }
        #expect(outcome.accounts.allSatisfy { Set($0.resequencedApplied).count == $0.resequencedApplied.count })
    }

    @Test(
        "95.5.2/4 partition ordering: keyed by account, each account stays in one partition; keyed by event, they spread"
    )
    func partitionOrdering() async throws {
        let outcome = try await Self.runEmbedded()
        #expect(outcome.accountsSpreadKeyedByAccount == 0)
        #expect(outcome.accountsSpreadKeyedByEvent > 0)
        for account in outcome.accounts {
            #expect(account.partition == Partitioner.partition(forKey: account.account, partitions: outcome.partitions))
        }
    }

    @Test(
        "95.5.2/4 on the tansu broker the same code keeps each account's order, both gap policies",
        .enabled(
            if: LocalServer.tansu.isRunning,
            "tansu is not running on 127.0.0.1:19092; start it with scripts/servers up tansu"),
        arguments: ResequencingPolicy.GapAction.allCases)
    func onKafka(onGap: ResequencingPolicy.GapAction) async throws {
        let outcome = try await Self.runOnTansu(onGap: onGap)
        Self.checkOrdered(outcome)
        #expect(outcome.backend.contains("19092"))
        #expect(outcome.accountsSpreadKeyedByAccount == 0 && outcome.duplicatesDetected >= 3)
        #expect(outcome.deadLettered == (onGap == .deadLetter ? [4, 5] : []))
    }

    @Test("95.5.2/expected order preserved, in-process and from the command line; a used store or topic is refused")
    func expectedBehavior() async throws {
        let outcome = try await Self.runEmbedded()
        Self.checkOrdered(outcome)
        let database = try TemporaryDatabase.make("95_05_02_reuse")
        _ = try await Example.run(.init(), topics: EventLog(database: database), database: database)
        await #expect(throws: Example.ScenarioError.self) {
            _ = try await Example.run(.init(), topics: EventLog(database: database), database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_05_02_event_ordering", item: "95.5.2", badArguments: ["--on-gap", "wait-forever"],
            expectInError: "--on-gap")
        let accounts = try #require(cli["accounts"] as? [[String: Any]])
        #expect(accounts.count == 6)
    }
}

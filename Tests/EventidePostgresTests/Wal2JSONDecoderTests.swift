import Eventide
import EventidePostgres
import Foundation
import Testing

/// The decoder on wal2json rows captured from PostgreSQL 15 (format-version 2, include-xids/lsn/pk/timestamp).
@Suite("wal2json decoding", .timeLimit(.minutes(1)))
struct Wal2JSONDecoderTests {
    let decoder = Wal2JSONDecoder()

    func row(_ lsn: String, _ data: String) throws -> Wal2JSONDecoder.Row {
        Wal2JSONDecoder.Row(lsn: try LSN(lsn), data: data)
    }

    @Test("a transaction decodes to its changes with key, before, after, xid, LSNs and commit time")
    func transaction() throws {
        let batch = try decoder.decode([
            row(
                "0/1929360",
                #"{"action":"B","xid":729,"timestamp":"2026-11-23 09:35:34.603769+00","lsn":"0/19294F0","nextlsn":"0/1929520"}"#
            ),
            row(
                "0/1929360",
                #"{"action":"U","xid":729,"timestamp":"2026-11-23 09:35:34.603769+00","lsn":"0/1929360","schema":"public","table":"t1","columns":[{"name":"id","type":"integer","value":1},{"name":"name","type":"text","value":"b"}],"identity":[{"name":"id","type":"integer","value":1},{"name":"name","type":"text","value":"a"}],"pk":[{"name":"id","type":"integer"}]}"#
            ),
            row(
                "0/19293C8",
                #"{"action":"I","xid":729,"timestamp":"2026-11-23 09:35:34.603769+00","lsn":"0/19293C8","schema":"public","table":"t2","columns":[{"name":"a","type":"integer","value":1},{"name":"b","type":"integer","value":2},{"name":"c","type":"text","value":"x"}],"pk":[{"name":"a","type":"integer"},{"name":"b","type":"integer"}]}"#
            ),
            row(
                "0/19294F0",
                #"{"action":"M","xid":729,"timestamp":"2026-11-23 09:35:34.603769+00","lsn":"0/19294F0","transactional":true,"prefix":"outbox","content":"{\"k\":1}"}"#
            ),
            row(
                "0/1929520",
                #"{"action":"C","xid":729,"timestamp":"2026-11-23 09:35:34.603769+00","lsn":"0/19294F0","nextlsn":"0/1929520"}"#
            ),
        ])
        #expect(batch.changes.map(\.operation) == [.update, .insert, .message])
        #expect(batch.changes.map(\.index) == [0, 1, 2])
        #expect(batch.changes.allSatisfy { $0.xid == 729 && $0.commitLSN == (try? LSN("0/1929520")) })
        #expect(batch.safePoints == [try LSN("0/1929520")])
        let update = batch.changes[0]
        #expect(update.qualifiedTable == "public.t1")
        #expect(update.key == ["id": 1])
        #expect(update.before == ["id": 1, "name": "a"] && update.after == ["id": 1, "name": "b"])
        #expect(update.columnTypes == ["id": "integer", "name": "text"])
        #expect(update.id == "0/1929360/729/0")
        #expect(batch.changes[1].key == ["a": 1, "b": 2] && batch.changes[1].before == nil)
        #expect(batch.changes[2].message == OutboxMessage(prefix: "outbox", content: #"{"k":1}"#, transactional: true))
        #expect(batch.changes[2].message?.payload == ["k": 1])
        let committed = try #require(update.committedAt)
        #expect(abs(committed.timeIntervalSince1970 - 1_795_426_534.603769) < 0.000_01)
        let decoded = try ChangeEvent(json: update.json)
        var expected = update
        expected.committedAt = decoded.committedAt
        #expect(decoded == expected, "the JSON form round-trips")
        #expect(abs((decoded.committedAt ?? .distantPast).timeIntervalSince(committed)) < 0.001, "to the millisecond")
    }

    @Test("a delete's key and old row come from the identity")
    func delete() throws {
        let batch = try decoder.decode([
            row("0/10", #"{"action":"B","xid":7}"#),
            row(
                "0/10",
                #"{"action":"D","xid":7,"lsn":"0/10","schema":"public","table":"t","identity":[{"name":"id","type":"integer","value":4},{"name":"v","type":"text","value":"x"}],"pk":[{"name":"id","type":"integer"}]}"#
            ),
            row("0/30", #"{"action":"C","xid":7,"nextlsn":"0/30"}"#),
        ])
        let change = try #require(batch.changes.first)
        #expect(
            change.operation == .delete && change.key == ["id": 4] && change.before?["v"] == "x" && change.after == nil)
    }

    @Test("a non-transactional message is a unit of its own, resumable just past its LSN")
    func nonTransactionalMessage() throws {
        let batch = try decoder.decode([
            row(
                "0/1929560",
                #"{"action":"M","xid":null,"timestamp":null,"lsn":"0/1929560","transactional":false,"prefix":"nontx","content":"hello"}"#
            )
        ])
        #expect(batch.changes.first?.xid == nil && batch.changes.first?.message?.payload == "hello")
        #expect(batch.resumeLSN == LSN(try LSN("0/1929560").value + 1))
    }

    @Test("rows of a transaction whose commit is not in the batch are left for the next read")
    func incompleteTransaction() throws {
        let batch = try decoder.decode([
            row("0/10", #"{"action":"B","xid":7}"#),
            row("0/20", #"{"action":"C","xid":7,"nextlsn":"0/20"}"#),
            row("0/30", #"{"action":"B","xid":8}"#),
            row(
                "0/30",
                #"{"action":"I","xid":8,"lsn":"0/30","schema":"public","table":"t","columns":[{"name":"id","type":"integer","value":1}]}"#
            ),
        ])
        #expect(batch.changes.isEmpty)
        #expect(batch.safePoints == [try LSN("0/20")], "the empty transaction still lets the slot advance")
        #expect(batch.incompleteRows == 2)
    }

    @Test(
        "malformed wal2json gives a typed error",
        arguments: [
            "not json", "[1]", #"{"xid":1}"#, #"{"action":"C","nextlsn":"0/1"}"#,
            #"{"action":"I","lsn":"0/1","schema":"public","table":"t","columns":[]}"#,
        ])
    func malformed(data: String) throws {
        #expect {
            _ = try decoder.decode([try row("0/1", data)])
        } throws: { error in
            if case .malformedChange(let text, _) = error as? CDCError { return text == data }
            return false
        }
    }

    @Test("an unknown action gives a typed error naming it")
    func unknownAction() throws {
        #expect(throws: CDCError.unknownAction("X", data: #"{"action":"X"}"#)) {
            _ = try decoder.decode([try row("0/1", #"{"action":"X"}"#)])
        }
    }

    @Test("LSNs parse, print and order like Postgres's pg_lsn")
    func lsn() throws {
        let lsn = try LSN("16/B374D848")
        #expect(lsn.value == 0x16_B374_D848 && lsn.description == "16/B374D848")
        #expect(try LSN("0/FF") < LSN("1/0"))
        #expect(throws: CDCError.invalidLSN("12")) { try LSN("12") }
    }

    @Test(
        "the LSN after FFFFFFFF/FFFFFFFF is a typed error, not an overflow trap; a message there fails the batch (issue 14)"
    )
    func lsnAtTheEnd() throws {
        let last = try LSN("FFFFFFFF/FFFFFFFF")
        #expect(throws: CDCError.lsnOverflow(last)) { _ = try last.next }
        #expect(try LSN("FFFFFFFF/FFFFFFFE").next == last)
        #expect(throws: CDCError.lsnOverflow(last)) {
            _ = try decoder.decode([
                try row(
                    "0/10",
                    #"{"action":"M","xid":null,"lsn":"FFFFFFFF/FFFFFFFF","transactional":false,"prefix":"p","content":"c"}"#
                )
            ])
        }
    }

    /// The commit timestamp whose offset overflowed `Int` when multiplied into seconds (issue 14).
    static let crashingTimestamp = "2026-11-23 09:35:34.603769+999999999999999999"

    @Test(
        "timestamps that are not timestamptz (an offset that overflowed, out-of-range fields) fail the row with a typed error",
        arguments: [
            crashingTimestamp, "2026-11-23 09:35:34+16", "2026-11-23 09:35:34+05:61", "2026-13-23 09:35:34+00",
            "2026-11-23 09:35:34.+00", "2026-11-23T09:35:34+00", "yesterday", "2026-11-23 09:35:34+00:00:00:00",
        ])
    func badTimestamp(text: String) throws {
        #expect(Wal2JSONDecoder.timestamp(text) == nil)
        let begin = #"{"action":"B","xid":7,"timestamp":"\#(text)"}"#
        #expect { _ = try decoder.decode([try row("0/10", begin)]) } throws: { error in
            if case .malformedChange(let data, _) = error as? CDCError { data == begin } else { false }
        }
    }

    @Test(
        "Postgres's timestamptz forms decode, with their offsets",
        arguments: [
            ("2026-11-23 09:35:34.603769+00", 1_795_426_534.603769), ("2026-11-23 09:35:34+00", 1_795_426_534),
            ("2026-11-23 15:05:34.5+05:30", 1_795_426_534.5), ("2026-11-23 04:35:34-05", 1_795_426_534),
            ("2026-11-23 09:35:34", 1_795_426_534), ("2026-11-23 15:05:44+05:30:10", 1_795_426_534),
        ])
    func goodTimestamp(text: String, seconds: Double) throws {
        let date = try #require(Wal2JSONDecoder.timestamp(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_01)
    }

    @Test("every crash input of the fuzz corpus decodes to changes or a typed error")
    func corpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for target in ["wal2json", "lsn"] {
            let folder = root.appendingPathComponent("Fuzz/corpus/\(target)")
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
                if target == "lsn" {
                    _ = try? LSN(text).next
                } else {
                    _ = try? decoder.decode(
                        text.split(separator: "\n").map { Wal2JSONDecoder.Row(lsn: LSN(16), data: String($0)) })
                }
            }
        }
    }
}

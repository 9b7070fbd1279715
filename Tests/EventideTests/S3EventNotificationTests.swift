import Eventide
import Foundation
import Testing

@testable import EventideS3

@Suite("S3 event notifications", .timeLimit(.minutes(1)))
struct S3EventNotificationTests {
    @Test("a record's key is form-decoded and its size, etag, event name and time are kept")
    func record() throws {
        let body = #"""
            {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": "2026-11-23T09:23:50.169Z",
              "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "lake"},
              "object": {"key": "landing/a+b%2Bc/%C3%BC.csv", "size": 5, "eTag": "5d41402abc4b2a76b9719d911017c592",
                         "sequencer": "0055AED6DCD90281E5"}}}]}
            """#
        guard case .records(let records) = try S3EventNotification.parse(body) else {
            Issue.record("no records"); return
        }
        let record = try #require(records.first)
        #expect(record.key == "landing/a b+c/ü.csv")
        #expect(record.uri == "s3://lake/landing/a b+c/ü.csv")
        #expect(record.size == 5 && record.eTag == "5d41402abc4b2a76b9719d911017c592")
        #expect(record.eventName == "ObjectCreated:Put" && record.sequencer == "0055AED6DCD90281E5")
        // Date.ISO8601FormatStyle reads the fraction to within a microsecond, not to the last bit of a Double.
        #expect(abs(try #require(record.eventTime).timeIntervalSince1970 - 1_795_425_830.169) < 0.000_001)
        #expect(record.fileArrival["key"] == "landing/a b+c/ü.csv")
        #expect(record.fileArrival["size"] == 5)
    }

    @Test("the test event S3 sends when notifications are configured is recognised, not treated as a file")
    func testEvent() throws {
        let body =
            #"{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-23T09:23:50", "Bucket": "lake"}"#
        #expect(try S3EventNotification.parse(body) == .testEvent(bucket: "lake"))
    }

    @Test("bodies that are not S3 notifications are refused with what is wrong")
    func refusals() {
        #expect(throws: S3Error.notAnEventNotification(reason: "the body is not JSON (hello)")) {
            try S3EventNotification.parse("hello")
        }
        #expect(throws: S3Error.self) { try S3EventNotification.parse(#"{"order": 1}"#) }
        #expect(
            throws: S3Error.notAnEventNotification(reason: "record 0 lacks eventName, s3.bucket.name or s3.object.key")
        ) {
            try S3EventNotification.parse(#"{"Records": [{"eventName": "ObjectCreated:Put"}]}"#)
        }
    }

    @Test("moto's zone-less event times are read as UTC; times with an offset keep it")
    func zonelessTime() {
        #expect(S3EventRecord.parseTime("2026-11-23T09:23:50.5") == Date(timeIntervalSince1970: 1_795_425_830.5))
        #expect(S3EventRecord.parseTime("2026-11-23T09:23:50Z") == Date(timeIntervalSince1970: 1_795_425_830))
        #expect(S3EventRecord.parseTime("2026-11-23T10:23:50+01:00") == Date(timeIntervalSince1970: 1_795_425_830))
        #expect(S3EventRecord.parseTime("not a time") == nil)
    }

    /// Issue 14: ICU's ISO8601DateFormatter raised SIGFPE on this fraction and killed the process reading the queue.
    static let crashingEventTime = "2026-11-23T09:23:50.99999999999999999223372036854775807"

    static func notification(eventTime: String, key: String = "landing/a.csv") -> String {
        #"{"Records": [{"eventTime": "\#(eventTime)", "eventName": "ObjectCreated:Put", "#
            + #""s3": {"bucket": {"name": "lake"}, "object": {"key": "\#(key)", "size": 1}}}]}"#
    }

    @Test("an eventTime that is not an ISO 8601 time (the fraction that crashed ICU) is a typed error, not a trap")
    func poisonEventTime() {
        for time in [Self.crashingEventTime, Self.crashingEventTime + "Z", "2026-13-45T99:99:99Z", "yesterday"] {
            #expect(throws: S3Error.self) { try S3EventNotification.parse(Self.notification(eventTime: time)) }
        }
        #expect(S3EventRecord.parseTime(Self.crashingEventTime) == nil)
    }

    @Test("a good notification still decodes after a poison one, and its time is written back in the runtime's format")
    func goodAfterPoison() throws {
        _ = try? S3EventNotification.parse(Self.notification(eventTime: Self.crashingEventTime))
        guard
            case .records(let records) = try S3EventNotification.parse(
                Self.notification(eventTime: "2026-11-23T09:23:50.169Z"))
        else {
            Issue.record("no records"); return
        }
        let record = try #require(records.first)
        #expect(abs(try #require(record.eventTime).timeIntervalSince1970 - 1_795_425_830.169) < 0.000_001)
        let written = try #require(record.fileArrival["eventTime"]?.stringValue)
        #expect(EventTime.parse(written) == record.eventTime)
    }
}

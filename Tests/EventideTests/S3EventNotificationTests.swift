import Eventide
@testable import EventideS3
import Foundation
import Testing

@Suite("S3 event notifications")
struct S3EventNotificationTests {
    @Test("a record's key is form-decoded and its size, etag, event name and time are kept")
    func record() throws {
        let body = #"""
            {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": "2026-11-23T09:23:50.169Z",
              "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "lake"},
              "object": {"key": "landing/a+b%2Bc/%C3%BC.csv", "size": 5, "eTag": "5d41402abc4b2a76b9719d911017c592",
                         "sequencer": "0055AED6DCD90281E5"}}}]}
            """#
        guard case .records(let records) = try S3EventNotification.parse(body) else { Issue.record("no records"); return }
        let record = try #require(records.first)
        #expect(record.key == "landing/a b+c/ü.csv")
        #expect(record.uri == "s3://lake/landing/a b+c/ü.csv")
        #expect(record.size == 5 && record.eTag == "5d41402abc4b2a76b9719d911017c592")
        #expect(record.eventName == "ObjectCreated:Put" && record.sequencer == "0055AED6DCD90281E5")
        #expect(record.eventTime == Date(timeIntervalSince1970: 1_795_425_830.169))
        #expect(record.fileArrival["key"] == "landing/a b+c/ü.csv")
        #expect(record.fileArrival["size"] == 5)
    }

    @Test("the test event S3 sends when notifications are configured is recognised, not treated as a file")
    func testEvent() throws {
        let body = #"{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-23T09:23:50", "Bucket": "lake"}"#
        #expect(try S3EventNotification.parse(body) == .testEvent(bucket: "lake"))
    }

    @Test("bodies that are not S3 notifications are refused with what is wrong")
    func refusals() {
        #expect(throws: S3Error.notAnEventNotification(reason: "the body is not JSON (hello)")) {
            try S3EventNotification.parse("hello")
        }
        #expect(throws: S3Error.self) { try S3EventNotification.parse(#"{"order": 1}"#) }
        #expect(throws: S3Error.notAnEventNotification(reason: "record 0 lacks eventName, s3.bucket.name or s3.object.key")) {
            try S3EventNotification.parse(#"{"Records": [{"eventName": "ObjectCreated:Put"}]}"#)
        }
    }

    @Test("moto's zone-less event times are read as UTC")
    func zonelessTime() {
        #expect(S3EventRecord.parseTime("2026-11-23T09:23:50.5") == Date(timeIntervalSince1970: 1_795_425_830.5))
        #expect(S3EventRecord.parseTime("not a time") == nil)
    }
}

import EventideAWS
import Foundation
import Testing

/// AWS's published Signature V4 examples (AWS's SigV4 test suite and the S3 API reference), whose expected
/// signatures a second implementation (botocore) reproduces too. moto does not check signatures, so these
/// vectors are what keeps the signer honest.
@Suite("AWS Signature V4 signer", .timeLimit(.minutes(1)))
struct SigV4SignerTests {
    let suite = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    func signature(_ headers: [String: String]) -> String? {
        headers["Authorization"]?.components(separatedBy: "Signature=").last
    }

    @Test("test suite get-vanilla: GET / on example.amazonaws.com")
    func getVanilla() throws {
        let signer = SigV4Signer(credentials: suite, region: "us-east-1", service: "service")
        let headers = try signer.sign(
            method: "GET", url: try #require(URL(string: "https://example.amazonaws.com/")),
            date: suiteDate)
        #expect(headers["X-Amz-Date"] == "20150830T123600Z")
        #expect(
            headers["Authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test("test suite get-vanilla-query-order-key-case: query parameters are sorted")
    func queryOrder() throws {
        let signer = SigV4Signer(credentials: suite, region: "us-east-1", service: "service")
        let url = try #require(URL(string: "https://example.amazonaws.com/?Param2=value2&Param1=value1"))
        #expect(
            signature(try signer.sign(method: "GET", url: url, date: suiteDate))
                == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test("S3 API reference, GET Object example: signs x-amz-content-sha256 and Range")
    func s3GetObject() throws {
        let credentials = AWSCredentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        let headers = try signer.sign(
            method: "GET", url: try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")),
            headers: ["Range": "bytes=0-9"],
            date: Date(timeIntervalSince1970: 1_369_353_600))  // 2013-05-24T00:00:00Z
        #expect(headers["X-Amz-Content-Sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(headers["Authorization"]?.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date") == true)
        #expect(signature(headers) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("a changed body, header, region or secret changes the signature; a session token is sent and signed")
    func sensitivity() throws {
        let url = try #require(URL(string: "http://127.0.0.1:5000/123456789012/orders"))
        let base = SigV4Signer(credentials: suite, region: "us-east-1", service: "sqs")
        let reference = signature(try base.sign(method: "POST", url: url, body: Data("a".utf8), date: suiteDate))
        #expect(signature(try base.sign(method: "POST", url: url, body: Data("b".utf8), date: suiteDate)) != reference)
        #expect(
            signature(
                try base.sign(
                    method: "POST", url: url, headers: ["X-Extra": "1"], body: Data("a".utf8),
                    date: suiteDate)) != reference)
        #expect(
            signature(
                try SigV4Signer(credentials: suite, region: "eu-west-1", service: "sqs")
                    .sign(method: "POST", url: url, body: Data("a".utf8), date: suiteDate)) != reference)
        let temporary = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: "AKIDEXAMPLE",
                secretAccessKey: suite.secretAccessKey, sessionToken: "tok"),
            region: "us-east-1", service: "sqs")
        let headers = try temporary.sign(method: "POST", url: url, body: Data("a".utf8), date: suiteDate)
        #expect(headers["X-Amz-Security-Token"] == "tok")
        #expect(headers["Authorization"]?.contains("x-amz-security-token") == true)
        #expect(headers["Host"] == "127.0.0.1:5000")
    }
}
